import type { PipelineDoc, TaskRef } from "../types";
import { clamp, stageAt, taskAt } from "./util";

/**
 * Moves a task within its stage or into another one. `to.index` is the position in the target
 * stage after the task has been taken out of its old place.
 */
export interface MoveTask {
  type: "moveTask";
  from: TaskRef;
  to: TaskRef;
}

export function moveTask(doc: PipelineDoc, op: MoveTask): PipelineDoc {
  const task = taskAt(doc, op.from);
  stageAt(doc, op.to.stage);
  const stages = doc.stages.map((s, i) => (i === op.from.stage ? { ...s, tasks: s.tasks.filter((_, j) => j !== op.from.index) } : s));
  const target = stages[op.to.stage];
  const tasks = target.tasks.slice();
  tasks.splice(clamp(op.to.index, 0, tasks.length), 0, task);
  stages[op.to.stage] = { ...target, tasks };
  return { ...doc, stages };
}
