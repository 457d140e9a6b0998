"use client";

import { useMemo } from "react";
import { SideBySideTable } from "@/components/pipelines/side-by-side";
import { DiffGraph } from "./diff-graph";
import { diffLines, diffStats, sideBySide } from "@/lib/diff/line-diff";
import { diffSpecs } from "@/lib/diff/spec-diff";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc } from "@/lib/designer/types";

/**
 * After a refused save: the version someone else saved next to the unsaved design, so the user
 * can decide to save on top of it or to start over from it.
 */
export function ConflictDiff({
  theirs,
  mine,
  templates,
}: {
  theirs: { version: number; text: string; spec: PipelineSpec };
  mine: { text: string; doc: PipelineDoc };
  templates?: ReadonlyMap<string, PaletteTemplate>;
}) {
  const { rows, stats, parts } = useMemo(() => {
    const ops = diffLines(theirs.text, mine.text);
    const s = diffSpecs(theirs.spec, mine.doc as unknown as PipelineSpec);
    const parts = [
      s.tasks.added.length && `yours adds ${s.tasks.added.join(", ")}`,
      s.tasks.removed.length && `yours drops ${s.tasks.removed.join(", ")}`,
      s.tasks.changed.length && `both have, differently: ${s.tasks.changed.join(", ")}`,
    ].filter(Boolean) as string[];
    return { rows: sideBySide(ops), stats: diffStats(ops), parts };
  }, [theirs, mine]);
  return (
    <section aria-label={`Differences between version ${theirs.version} and your design`}>
      <p className="border-b px-3 py-2 text-xs text-muted">
        <span className="text-danger">−{stats.removed}</span> <span className="text-accent">+{stats.added}</span> lines
        {parts.length ? ` · ${parts.join("; ")}` : ""}
      </p>
      <div className="border-b p-3">
        <DiffGraph
          left={{ label: `Version ${theirs.version} (saved)`, spec: theirs.spec }}
          right={{ label: "Your design (not saved)", spec: mine.doc }}
          templates={templates}
        />
      </div>
      <SideBySideTable rows={rows} left={`Version ${theirs.version} (saved)`} right="Your design (not saved)" />
    </section>
  );
}
