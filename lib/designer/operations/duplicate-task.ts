import { taskNames, uniqueName } from "../names";
import type { PipelineDoc, TaskRef } from "../types";
import { taskAt, withTasks } from "./util";

/** Copies a task right after itself, with a new unique name. */
export interface DuplicateTask {
  type: "duplicateTask";
  task: TaskRef;
}

export function duplicateTask(doc: PipelineDoc, op: DuplicateTask): PipelineDoc {
  const t = taskAt(doc, op.task);
  const copy = { ...structuredClone(t), name: uniqueName(t.name, taskNames(doc)) };
  return withTasks(doc, op.task.stage, (tasks) => [...tasks.slice(0, op.task.index + 1), copy, ...tasks.slice(op.task.index + 1)]);
}
