import { stageNames, uniqueName } from "../names";
import type { PipelineDoc, StageMode } from "../types";
import { insertAt } from "./util";

/** Adds an empty stage (the canvas invites a drop into it) at `index`, or at the end. */
export interface AddStage {
  type: "addStage";
  index?: number;
  name?: string;
  mode?: StageMode;
}

export function addStage(doc: PipelineDoc, op: AddStage): PipelineDoc {
  const name = uniqueName(op.name ?? "stage", stageNames(doc));
  const stage = op.mode ? { name, mode: op.mode, tasks: [] } : { name, tasks: [] };
  return { ...doc, stages: insertAt(doc.stages, op.index ?? doc.stages.length, stage) };
}
