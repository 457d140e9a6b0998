import type { PipelineDoc } from "../types";
import { withStage } from "./util";

/** Renames a stage, or the pipeline itself (and sets its description) when `stage` is absent. */
export interface Rename {
  type: "rename";
  stage?: number;
  name?: string;
  description?: string;
}

export function rename(doc: PipelineDoc, op: Rename): PipelineDoc {
  if (op.stage !== undefined) {
    const name = op.name;
    return name === undefined ? doc : withStage(doc, op.stage, (s) => ({ ...s, name }));
  }
  const out = { ...doc };
  if (op.name !== undefined) out.name = op.name;
  if (op.description !== undefined) {
    if (op.description) out.description = op.description;
    else delete out.description;
  }
  return out;
}
