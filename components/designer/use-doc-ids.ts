"use client";

import { useMemo, useState } from "react";
import { carryIds, type DocIds } from "@/lib/designer/ids";
import type { PipelineDoc } from "@/lib/designer/types";

/**
 * The ids of each document the designer has shown, each carried from the document shown before
 * it; undo and redo find the same ids again. Only ever filled in, never replaced.
 */
class DocIdTable {
  private readonly byDoc = new WeakMap<PipelineDoc, DocIds>();
  private last: { doc: PipelineDoc; ids: DocIds } | null = null;
  private seq = 0;

  idsOf(doc: PipelineDoc): DocIds {
    let ids = this.byDoc.get(doc);
    if (!ids) {
      ids = carryIds(this.last, doc, () => `n${++this.seq}`);
      this.byDoc.set(doc, ids);
    }
    this.last = { doc, ids };
    return ids;
  }
}

/** Stable node ids for `doc` (see carryIds): a moved or edited node keeps its id. */
export function useDocIds(doc: PipelineDoc): DocIds {
  // State only for its identity: one table for the designer's lifetime.
  const [table] = useState(() => new DocIdTable());
  return useMemo(() => table.idsOf(doc), [table, doc]);
}
