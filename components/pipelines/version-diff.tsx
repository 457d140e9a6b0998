"use client";

import { useMemo, useState } from "react";
import { DiffGraph } from "@/components/designer/diff-graph";
import { cn } from "@/components/ui/cn";
import { diffLines, diffStats, sideBySide } from "@/lib/diff/line-diff";
import { diffSpecs } from "@/lib/diff/spec-diff";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import { SegmentedControl } from "@/components/ui/segmented";

export interface DiffSide {
  version: number;
  text: string;
  spec: PipelineSpec;
}

const cell = {
  same: "",
  del: "bg-danger-soft",
  add: "bg-accent-soft",
} as const;

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
          <DiffGraph left={{ label: `Version ${left.version}`, spec: left.spec }} right={{ label: `Version ${right.version}`, spec: right.spec }} />
        </div>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full table-fixed border-collapse font-mono text-xs" aria-label="Side-by-side diff">
            <thead>
              <tr className="text-left text-muted">
                <th scope="col" className="w-10 border-b px-2 py-1 font-normal" />
                <th scope="col" className="border-b border-r px-2 py-1 font-sans font-medium">Version {left.version}</th>
                <th scope="col" className="w-10 border-b px-2 py-1 font-normal" />
                <th scope="col" className="border-b px-2 py-1 font-sans font-medium">Version {right.version}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  <td className={cn("px-2 text-right text-muted select-none", r.left && cell[r.left.kind])}>{r.left?.line}</td>
                  <td className={cn("border-r px-2 whitespace-pre-wrap break-all", r.left ? cell[r.left.kind] : "bg-surface-2")} data-kind={r.left?.kind}>
                    {r.left?.kind === "del" && <span className="sr-only">removed: </span>}
                    {r.left?.text}
                  </td>
                  <td className={cn("px-2 text-right text-muted select-none", r.right && cell[r.right.kind])}>{r.right?.line}</td>
                  <td className={cn("px-2 whitespace-pre-wrap break-all", r.right ? cell[r.right.kind] : "bg-surface-2")} data-kind={r.right?.kind}>
                    {r.right?.kind === "add" && <span className="sr-only">added: </span>}
                    {r.right?.text}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
