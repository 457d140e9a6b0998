import { OperationError, type PipelineDoc, type StageDoc, type TaskDoc, type TaskPlace, type TaskRef } from "../types";

export function stageAt(doc: PipelineDoc, i: number): StageDoc {
  const s = doc.stages[i];
  if (!s) throw new OperationError(`no stage at index ${i}`);
  return s;
}

/** The tasks at a place: a stage's, or the `finally` list (empty when the pipeline has none). */
export function tasksAt(doc: PipelineDoc, place: TaskPlace): readonly TaskDoc[] {
  return place === "finally" ? (doc.finally ?? []) : stageAt(doc, place).tasks;
}

export function taskAt(doc: PipelineDoc, ref: TaskRef): TaskDoc {
  const t = tasksAt(doc, ref.stage)[ref.index];
  if (!t) throw new OperationError(`no task at ${ref.stage}/${ref.index}`);
  return t;
}

/** A copy of the document with stage `i` replaced; untouched stages keep their identity. */
export function withStage(doc: PipelineDoc, i: number, fn: (s: StageDoc) => StageDoc): PipelineDoc {
  stageAt(doc, i);
  return { ...doc, stages: doc.stages.map((s, j) => (j === i ? fn(s) : s)) };
}

/**
 * A copy of the document with the tasks at `place` replaced. An emptied `finally` list goes, so
 * the YAML only says what the user set; a new one is written last, after the stages.
 */
export function withTasks(doc: PipelineDoc, place: TaskPlace, fn: (tasks: readonly TaskDoc[]) => TaskDoc[]): PipelineDoc {
  if (place !== "finally") return withStage(doc, place, (s) => ({ ...s, tasks: fn(s.tasks) }));
  const { finally: current, ...rest } = doc;
  const tasks = fn(current ?? []);
  return tasks.length ? { ...doc, finally: tasks } : rest;
}

export const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

export function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  const out = list.slice();
  out.splice(clamp(index, 0, list.length), 0, item);
  return out;
}

/**
 * `obj` with `key` set to `value` (removed when undefined). A key it already has keeps its place;
 * a new one goes right after the last of `after` that `obj` has, so the YAML reads in a fixed order.
 */
export function withKey<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined, after: readonly (keyof T)[]): T {
  if (value === undefined) {
    const { [key]: _removed, ...rest } = obj;
    return rest as T;
  }
  if (key in obj) return { ...obj, [key]: value };
  const entries = Object.entries(obj) as [keyof T, unknown][];
  let at = 0;
  entries.forEach(([k], i) => {
    if (after.includes(k)) at = i + 1;
  });
  entries.splice(at, 0, [key, value]);
  return Object.fromEntries(entries) as T;
}
