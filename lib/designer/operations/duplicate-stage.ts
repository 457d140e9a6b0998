import { stageNames, taskNames, uniqueName } from "../names";
import type { PipelineDoc } from "../types";
import { stageAt } from "./util";

/** Copies a stage and its tasks right after itself; every copied name is made unique. */
export interface DuplicateStage {
  type: "duplicateStage";
  stage: number;
}

export function duplicateStage(doc: PipelineDoc, op: DuplicateStage): PipelineDoc {
  const s = stageAt(doc, op.stage);
  const taken = taskNames(doc);
  const tasks = s.tasks.map((t) => {
    const name = uniqueName(t.name, taken);
    taken.add(name);
    return { ...structuredClone(t), name };
  });
  const copy = { ...structuredClone(s), name: uniqueName(s.name, stageNames(doc)), tasks };
  return { ...doc, stages: [...doc.stages.slice(0, op.stage + 1), copy, ...doc.stages.slice(op.stage + 1)] };
}
