import { taskNames, uniqueName } from "../names";
import type { PipelineDoc, TaskDoc, TaskPlace } from "../types";
import { clamp, insertAt, withTasks } from "./util";

/** Adds `task` (usually made from a template) to a stage or to `finally` at `index`, renamed if its name is taken. */
export interface AddTask {
  type: "addTask";
  stage: TaskPlace;
  /** Appends when omitted. */
  index?: number;
  task: TaskDoc;
}

export function addTask(doc: PipelineDoc, op: AddTask): PipelineDoc {
  const task = { ...structuredClone(op.task), name: uniqueName(op.task.name, taskNames(doc)) };
  return withTasks(doc, op.stage, (tasks) => insertAt(tasks, clamp(op.index ?? tasks.length, 0, tasks.length), task));
}
