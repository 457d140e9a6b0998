import type { Selection } from "@/lib/designer/to-graph";
import type { PipelineDoc } from "@/lib/designer/types";

/** Which way a selected stage or task moves (buttons, Alt+arrows) or the selection walks (arrows). */
export type Move = "up" | "down" | "left" | "right";

/** A selected stage or task. */
export type SelectedNode = NonNullable<Selection>;

/** A canvas node's `data-node-key`: `"stage"`, `"stage/index"` or `"finally/index"`. */
export const nodeKey = (s: Selection) => (!s ? null : s.kind === "stage" ? String(s.stage) : `${s.stage}/${s.index}`);

/** The node a `data-node-key` names in `doc`, or null when it no longer exists. */
export function selectionFromKey(key: string, doc: PipelineDoc): Selection {
  if (key.startsWith("finally/")) {
    const index = Number(key.slice("finally/".length));
    return doc.finally?.[index] ? { kind: "task", stage: "finally", index } : null;
  }
  const [s, i] = key.split("/").map(Number);
  if (!doc.stages[s]) return null;
  return i === undefined || Number.isNaN(i)
    ? { kind: "stage", stage: s }
    : doc.stages[s].tasks[i]
      ? { kind: "task", stage: s, index: i }
      : null;
}
