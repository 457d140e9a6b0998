import type { PipelineDoc, TaskDoc, TaskPlace, TaskRef } from "./types";

/** The tasks at a place (a stage's or the `finally` list), or none when it does not exist. */
export function tasksIn(doc: PipelineDoc, place: TaskPlace): readonly TaskDoc[] {
  return (place === "finally" ? doc.finally : doc.stages[place]?.tasks) ?? [];
}

/**
 * The place beside `place`, left to right as the canvas shows them: the stages, then `finally`
 * (which runs after the last stage), or null past either end.
 */
export function placeBeside(doc: PipelineDoc, place: TaskPlace, dir: "left" | "right"): TaskPlace | null {
  if (place === "finally") return dir === "left" && doc.stages.length ? doc.stages.length - 1 : null;
  const next = place + (dir === "left" ? -1 : 1);
  if (next === doc.stages.length) return "finally";
  return next >= 0 && next < doc.stages.length ? next : null;
}

/** The task's path as the spec's problems spell it: `stages[0].tasks[1]` or `finally[0]`. */
export function taskPath(ref: TaskRef): string {
  return ref.stage === "finally" ? `finally[${ref.index}]` : `stages[${ref.stage}].tasks[${ref.index}]`;
}
