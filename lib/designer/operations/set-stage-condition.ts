import type { PipelineDoc } from "../types";
import { withKey, withStage } from "./util";

/** A stage's `when` (a CEL condition for each of its tasks); empty or null removes it. */
export interface SetStageCondition {
  type: "setStageCondition";
  stage: number;
  when: string | null;
}

export function setStageCondition(doc: PipelineDoc, op: SetStageCondition): PipelineDoc {
  // Written before the tasks, next to the stage's name and mode.
  return withStage(doc, op.stage, (s) => withKey(s, "when", op.when || undefined, ["name", "mode"]));
}
