import type { Selection } from "./to-graph";
import type { PipelineDoc } from "./types";

/** Arrow keys walk the canvas: up/down through a stage (its header first), left/right across stages. */
export function neighbour(doc: PipelineDoc, sel: NonNullable<Selection>, m: "up" | "down" | "left" | "right"): Selection {
  const stage = doc.stages[sel.stage];
  if (m === "left" || m === "right") {
    const si = sel.stage + (m === "left" ? -1 : 1);
    const other = doc.stages[si];
    if (!other) return null;
    if (sel.kind === "stage" || other.tasks.length === 0) return { kind: "stage", stage: si };
    return { kind: "task", stage: si, index: Math.min(sel.index, other.tasks.length - 1) };
  }
  if (sel.kind === "stage") return m === "down" && stage.tasks.length ? { kind: "task", stage: sel.stage, index: 0 } : null;
  const index = sel.index + (m === "up" ? -1 : 1);
  if (index < 0) return { kind: "stage", stage: sel.stage };
  return index < stage.tasks.length ? { kind: "task", stage: sel.stage, index } : null;
}
