"use client";

import dynamic from "next/dynamic";

/**
 * The spec editor loaded when it first shows: CodeMirror is the largest script of the pipeline
 * page, and the page opens on the designer's canvas, where the YAML is one click away.
 */
export const LazySpecEditor = dynamic(() => import("./spec-editor").then((m) => m.SpecEditor), {
  loading: () => <div className="h-full min-h-40 rounded-md border bg-surface-2" aria-hidden />,
});
