import type { PipelineDoc, TaskRef } from "../types";
import { clamp, taskAt, tasksAt, withTasks } from "./util";

/**
 * Moves a task within its stage, into another one, or into or out of `finally`. `to.index` is the
 * position at the target after the task has been taken out of its old place.
 */
export interface MoveTask {
  type: "moveTask";
  from: TaskRef;
  to: TaskRef;
}

export function moveTask(doc: PipelineDoc, op: MoveTask): PipelineDoc {
  const task = taskAt(doc, op.from);
  tasksAt(doc, op.to.stage);
  const without = withTasks(doc, op.from.stage, (tasks) => tasks.filter((_, j) => j !== op.from.index));
  return withTasks(without, op.to.stage, (tasks) => {
    const out = tasks.slice();
    out.splice(clamp(op.to.index, 0, out.length), 0, task);
    return out;
  });
}
