"use client";

import { createContext, useContext } from "react";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { StageMode, TaskPlace } from "@/lib/designer/types";

/**
 * What the custom nodes need beyond their data: callbacks and lookups. Kept out of node data so
 * that the graph derived from the document stays plain, comparable values.
 */
export interface CanvasContextValue {
  templates: ReadonlyMap<string, PaletteTemplate>;
  onTaskClick: (stage: TaskPlace, index: number) => void;
  onStageClick?: (stage: number) => void;
  onStageMode?: (stage: number, mode: StageMode) => void;
  onAddStage?: () => void;
  /** The lane and slot a palette drag would drop into, for the insertion marker. */
  dropTarget: { lane: TaskPlace; slot: number } | null;
}

export const CanvasContext = createContext<CanvasContextValue | null>(null);

export function useCanvas(): CanvasContextValue {
  const v = useContext(CanvasContext);
  if (!v) throw new Error("designer nodes render inside <Canvas>");
  return v;
}
