import { apply, type Operation } from "./apply";
import { OperationError, type PipelineDoc } from "./types";

/** Undo/redo over whole documents: cheap because operations share unchanged stages. */
export interface History {
  past: PipelineDoc[];
  present: PipelineDoc;
  future: PipelineDoc[];
  /** Consecutive edits with the same key (typing in one field) undo as one step. */
  lastKey: string | null;
}

export type HistoryAction =
  { type: "apply"; op: Operation; coalesceKey?: string } | { type: "undo" } | { type: "redo" } | { type: "reset"; doc: PipelineDoc };

const LIMIT = 200;

export function initHistory(doc: PipelineDoc): History {
  return { past: [], present: doc, future: [], lastKey: null };
}

export function historyReducer(h: History, action: HistoryAction): History {
  switch (action.type) {
    case "apply": {
      let next: PipelineDoc;
      try {
        next = apply(h.present, action.op);
      } catch (e) {
        // A stale target (the node was removed a moment ago) is not worth an error.
        if (e instanceof OperationError) return h;
        throw e;
      }
      if (next === h.present) return h;
      const key = action.coalesceKey ?? null;
      if (key !== null && key === h.lastKey && h.past.length > 0) return { ...h, present: next, future: [] };
      return { past: [...h.past, h.present].slice(-LIMIT), present: next, future: [], lastKey: key };
    }
    case "undo": {
      if (h.past.length === 0) return h;
      return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1], future: [h.present, ...h.future], lastKey: null };
    }
    case "redo": {
      if (h.future.length === 0) return h;
      return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1), lastKey: null };
    }
    case "reset":
      return initHistory(action.doc);
  }
}

export const canUndo = (h: History) => h.past.length > 0;
export const canRedo = (h: History) => h.future.length > 0;
