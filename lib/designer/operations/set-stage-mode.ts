import type { PipelineDoc, StageMode } from "../types";
import { withStage } from "./util";

/** Sequential chains the stage's tasks; parallel runs them at the same time. */
export interface SetStageMode {
  type: "setStageMode";
  stage: number;
  mode: StageMode;
}

export function setStageMode(doc: PipelineDoc, op: SetStageMode): PipelineDoc {
  // Written right after the name, where people look for it in the YAML.
  return withStage(doc, op.stage, ({ name, mode: _old, ...rest }) => ({ name, mode: op.mode, ...rest }));
}
