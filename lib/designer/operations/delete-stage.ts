import type { PipelineDoc } from "../types";
import { stageAt } from "./util";

/** Removes a stage with all its tasks. */
export interface DeleteStage {
  type: "deleteStage";
  stage: number;
}

export function deleteStage(doc: PipelineDoc, op: DeleteStage): PipelineDoc {
  stageAt(doc, op.stage);
  return { ...doc, stages: doc.stages.filter((_, i) => i !== op.stage) };
}
