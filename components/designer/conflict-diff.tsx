"use client";

import { useMemo } from "react";
import { cn } from "@/components/ui/cn";
import { DiffGraph } from "./diff-graph";
import { diffLines, diffStats, sideBySide } from "@/lib/diff/line-diff";
import { diffSpecs } from "@/lib/diff/spec-diff";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc } from "@/lib/designer/types";

const cell = { same: "", del: "bg-danger-soft", add: "bg-accent-soft" } as const;

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
        <span className="text-danger">−{stats.removed}</span> <span className="text-accent">+{stats.added}</span> lines{parts.length ? ` · ${parts.join("; ")}` : ""}
      </p>
      <div className="border-b p-3">
        <DiffGraph left={{ label: `Version ${theirs.version} (saved)`, spec: theirs.spec }} right={{ label: "Your design (not saved)", spec: mine.doc }} templates={templates} />
      </div>
      <table className="w-full table-fixed border-collapse font-mono text-xs" aria-label="Side-by-side diff">
        <thead>
          <tr className="text-left text-muted">
            <th scope="col" className="w-9 border-b px-2 py-1" />
            <th scope="col" className="border-r border-b px-2 py-1 font-sans font-medium">Version {theirs.version} (saved)</th>
            <th scope="col" className="w-9 border-b px-2 py-1" />
            <th scope="col" className="border-b px-2 py-1 font-sans font-medium">Your design (not saved)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className={cn("px-2 text-right text-muted select-none", r.left && cell[r.left.kind])}>{r.left?.line}</td>
              <td className={cn("border-r px-2 break-all whitespace-pre-wrap", r.left ? cell[r.left.kind] : "bg-surface-2")}>{r.left?.text}</td>
              <td className={cn("px-2 text-right text-muted select-none", r.right && cell[r.right.kind])}>{r.right?.line}</td>
              <td className={cn("px-2 break-all whitespace-pre-wrap", r.right ? cell[r.right.kind] : "bg-surface-2")}>{r.right?.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
