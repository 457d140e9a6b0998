import { taskNames, uniqueName } from "../names";
import type { PipelineDoc, TaskDoc } from "../types";
import { clamp, insertAt, withStage } from "./util";

/** Adds `task` (usually made from a template) to a stage at `index`, renamed if its name is taken. */
export interface AddTask {
  type: "addTask";
  stage: number;
  /** Appends when omitted. */
  index?: number;
  task: TaskDoc;
}

export function addTask(doc: PipelineDoc, op: AddTask): PipelineDoc {
  const task = { ...structuredClone(op.task), name: uniqueName(op.task.name, taskNames(doc)) };
  return withStage(doc, op.stage, (s) => ({ ...s, tasks: insertAt(s.tasks, clamp(op.index ?? s.tasks.length, 0, s.tasks.length), task) }));
}
