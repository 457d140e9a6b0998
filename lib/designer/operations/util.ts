import { OperationError, type PipelineDoc, type StageDoc, type TaskRef } from "../types";

export function stageAt(doc: PipelineDoc, i: number): StageDoc {
  const s = doc.stages[i];
  if (!s) throw new OperationError(`no stage at index ${i}`);
  return s;
}

export function taskAt(doc: PipelineDoc, ref: TaskRef) {
  const t = stageAt(doc, ref.stage).tasks[ref.index];
  if (!t) throw new OperationError(`no task at ${ref.stage}/${ref.index}`);
  return t;
}

/** A copy of the document with stage `i` replaced; untouched stages keep their identity. */
export function withStage(doc: PipelineDoc, i: number, fn: (s: StageDoc) => StageDoc): PipelineDoc {
  stageAt(doc, i);
  return { ...doc, stages: doc.stages.map((s, j) => (j === i ? fn(s) : s)) };
}

export const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

export function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  const out = list.slice();
  out.splice(clamp(index, 0, list.length), 0, item);
  return out;
}
