import type { PipelineDoc, StageMode } from "../types";
import { withStage } from "./util";

/** Sequential chains the stage's tasks; parallel runs them at the same time. */
export interface SetStageMode {
  type: "setStageMode";
  stage: number;
  mode: StageMode;
}

export function setStageMode(doc: PipelineDoc, op: SetStageMode): PipelineDoc {
  return withStage(doc, op.stage, (s) => ({ ...s, mode: op.mode }));
}
