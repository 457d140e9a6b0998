import { placeBeside, tasksIn } from "./places";
import type { Selection } from "./to-graph";
import type { PipelineDoc } from "./types";

/**
 * Arrow keys walk the canvas: up/down through a stage (its header first), left/right across
 * stages and on to the `finally` tasks (which have no header to select).
 */
export function neighbour(doc: PipelineDoc, sel: NonNullable<Selection>, m: "up" | "down" | "left" | "right"): Selection {
  if (m === "left" || m === "right") {
    const place = placeBeside(doc, sel.stage, m);
    if (place === null) return null;
    const tasks = tasksIn(doc, place);
    if (place !== "finally" && (sel.kind === "stage" || tasks.length === 0)) return { kind: "stage", stage: place };
    if (tasks.length === 0) return null;
    return { kind: "task", stage: place, index: Math.min(sel.kind === "task" ? sel.index : 0, tasks.length - 1) };
  }
  if (sel.kind === "stage") return m === "down" && tasksIn(doc, sel.stage).length ? { kind: "task", stage: sel.stage, index: 0 } : null;
  const index = sel.index + (m === "up" ? -1 : 1);
  if (index < 0) return sel.stage === "finally" ? null : { kind: "stage", stage: sel.stage };
  return index < tasksIn(doc, sel.stage).length ? { kind: "task", stage: sel.stage, index } : null;
}
