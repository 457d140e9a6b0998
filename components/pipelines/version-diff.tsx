"use client";

import { useMemo, useState } from "react";
import { DiffGraph } from "@/components/designer/diff-graph";
import { SideBySideTable } from "./side-by-side";
import { diffLines, diffStats, sideBySide } from "@/lib/diff/line-diff";
import { diffSpecs } from "@/lib/diff/spec-diff";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import { SegmentedControl } from "@/components/ui/segmented";

export interface DiffSide {
  version: number;
  text: string;
  spec: PipelineSpec;
}

/**
 * Two versions compared, older first, with a summary of what changed: their YAML side by side,
 * or their graphs with added, removed and changed tasks highlighted.
 */
export function VersionDiff({ left, right }: { left: DiffSide; right: DiffSide }) {
  const [view, setView] = useState<"yaml" | "graph">("yaml");
  const { rows, stats, summary } = useMemo(() => {
    const ops = diffLines(left.text, right.text);
    return { rows: sideBySide(ops), stats: diffStats(ops), summary: diffSpecs(left.spec, right.spec) };
  }, [left, right]);
  const parts = [
    summary.tasks.added.length && `added ${summary.tasks.added.join(", ")}`,
    summary.tasks.removed.length && `removed ${summary.tasks.removed.join(", ")}`,
    summary.tasks.changed.length && `changed ${summary.tasks.changed.join(", ")}`,
  ].filter(Boolean);

  return (
    <section aria-label={`Differences between version ${left.version} and version ${right.version}`} className="flex flex-col">
      <div className="flex items-center gap-3 border-b px-3 py-2 text-xs text-muted">
        <p className="flex-1">
          <span className="text-danger">−{stats.removed}</span> <span className="text-accent">+{stats.added}</span> lines
          {parts.length > 0 ? ` · tasks: ${parts.join("; ")}` : summary.same ? " · the specs are the same" : ""}
        </p>
        <SegmentedControl
          label="Show the difference as"
          value={view}
          onChange={setView}
          segments={[
            { value: "yaml", label: "YAML" },
            { value: "graph", label: "Graph" },
          ]}
        />
      </div>
      {view === "graph" ? (
        <div className="p-2">
          <DiffGraph
            left={{ label: `Version ${left.version}`, spec: left.spec }}
            right={{ label: `Version ${right.version}`, spec: right.spec }}
          />
        </div>
      ) : (
        <div className="overflow-x-auto">
          <SideBySideTable rows={rows} left={`Version ${left.version}`} right={`Version ${right.version}`} />
        </div>
      )}
    </section>
  );
}
