import type { PipelineDoc } from "../types";

/** The whole document from the YAML pane: one undoable step like any other edit. */
export interface Replace {
  type: "replace";
  doc: PipelineDoc;
}

export function replace(_doc: PipelineDoc, op: Replace): PipelineDoc {
  return op.doc;
}
