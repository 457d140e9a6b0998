import type { PipelineDoc } from "../types";
import { clamp, stageAt } from "./util";

/** Reorders stages: the stage at `from` ends up at index `to`. */
export interface MoveStage {
  type: "moveStage";
  from: number;
  to: number;
}

export function moveStage(doc: PipelineDoc, op: MoveStage): PipelineDoc {
  const stage = stageAt(doc, op.from);
  const stages = doc.stages.filter((_, i) => i !== op.from);
  stages.splice(clamp(op.to, 0, stages.length), 0, stage);
  return { ...doc, stages };
}
