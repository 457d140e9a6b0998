import type { PipelineDoc, TaskRef } from "./types";

/**
 * Stable ids for the stages and tasks of a document while it is being designed, kept beside the
 * document (never in the YAML). A node keeps its id when it moves, so the canvas re-renders
 * only what changed and the inspector keeps its form instead of remounting it.
 */
export interface DocIds {
  stages: string[];
  /** `tasks[stage][index]`. */
  tasks: string[][];
  /** The `finally` tasks'. */
  finally: string[];
}

/**
 * The ids of `next`, carried over from `prev` (the document it came from): first by object
 * identity (operations keep untouched stages and tasks, and a moved task is the same object), then
 * by name (an edited task is a new object with the same name), then by position (a renamed task
 * stays where it was). What is left (added, duplicated) gets a fresh id. No id is used twice.
 */
export function carryIds(prev: { doc: PipelineDoc; ids: DocIds } | null, next: PipelineDoc, fresh: () => string): DocIds {
  const stages = match(next.stages, prev?.doc.stages ?? [], prev?.ids.stages ?? [], (s) => s.name, fresh);
  // Stage and finally tasks are matched together: a task moved into `finally` keeps its id.
  const oldTasks = prev ? allTasks(prev.doc) : [];
  const oldTaskIds = prev ? [...prev.ids.tasks.flat(), ...prev.ids.finally] : [];
  const flat = match(
    allTasks(next),
    oldTasks,
    oldTaskIds,
    (t) => t.name,
    fresh,
    // Position fallback within the same stage slot: a renamed task keeps its place.
    prev ? positions(prev.doc) : undefined,
    positions(next),
  );
  const tasks: string[][] = [];
  let k = 0;
  for (const s of next.stages) tasks.push(s.tasks.map(() => flat[k++]));
  return { stages, tasks, finally: flat.slice(k) };
}

const allTasks = (doc: PipelineDoc) => [...doc.stages.flatMap((s) => s.tasks), ...(doc.finally ?? [])];
const positions = (doc: PipelineDoc) => [
  ...doc.stages.flatMap((s, si) => s.tasks.map((_, ti) => `${si}/${ti}`)),
  ...(doc.finally ?? []).map((_, i) => `finally/${i}`),
];

function match<T extends object>(
  items: readonly T[],
  old: readonly T[],
  oldIds: readonly string[],
  name: (x: T) => string,
  fresh: () => string,
  oldPos?: string[],
  newPos?: string[],
): string[] {
  const out: (string | undefined)[] = items.map(() => undefined);
  const used = new Set<string>();
  const byObject = new Map<T, number>();
  old.forEach((o, i) => byObject.has(o) || byObject.set(o, i));
  items.forEach((it, i) => {
    const j = byObject.get(it);
    if (j !== undefined && oldIds[j] !== undefined && !used.has(oldIds[j])) {
      out[i] = oldIds[j];
      used.add(oldIds[j]);
    }
  });
  const byName = new Map<string, string>();
  old.forEach((o, i) => {
    const id = oldIds[i];
    if (id !== undefined && !used.has(id) && !byName.has(name(o))) byName.set(name(o), id);
  });
  items.forEach((it, i) => {
    if (out[i] !== undefined) return;
    const id = byName.get(name(it));
    if (id !== undefined && !used.has(id)) {
      out[i] = id;
      used.add(id);
    }
  });
  const oldAt = new Map<string, string>();
  (oldPos ?? old.map((_, i) => String(i))).forEach((p, i) => oldIds[i] !== undefined && oldAt.set(p, oldIds[i]));
  const at = newPos ?? items.map((_, i) => String(i));
  items.forEach((_, i) => {
    if (out[i] !== undefined) return;
    const id = oldAt.get(at[i]);
    if (id !== undefined && !used.has(id)) {
      out[i] = id;
      used.add(id);
    }
  });
  return out.map((id) => id ?? fresh());
}

/** Where the node with this id is now, or null when it is gone. */
export function findId(ids: DocIds, id: string): { stage: number } | TaskRef | null {
  const s = ids.stages.indexOf(id);
  if (s !== -1) return { stage: s };
  const f = ids.finally.indexOf(id);
  if (f !== -1) return { stage: "finally", index: f };
  for (let si = 0; si < ids.tasks.length; si++) {
    const ti = ids.tasks[si].indexOf(id);
    if (ti !== -1) return { stage: si, index: ti };
  }
  return null;
}
