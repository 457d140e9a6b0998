import type { PipelineDoc, TaskRef } from "../types";
import { taskAt, withTasks } from "./util";

/** Removes a task; its stage stays, even empty, so the user can drop another task into it. */
export interface DeleteTask {
  type: "deleteTask";
  task: TaskRef;
}

export function deleteTask(doc: PipelineDoc, op: DeleteTask): PipelineDoc {
  taskAt(doc, op.task);
  return withTasks(doc, op.task.stage, (tasks) => tasks.filter((_, i) => i !== op.task.index));
}
