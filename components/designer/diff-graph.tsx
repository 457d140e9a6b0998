"use client";

import "./designer.css";
import { useMemo } from "react";
import { diffSpecs } from "@/lib/diff/spec-diff";
import type { Change } from "@/lib/designer/to-graph";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc } from "@/lib/designer/types";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import { Canvas } from "./canvas";

const NO_TEMPLATES: ReadonlyMap<string, PaletteTemplate> = new Map();
const noop = () => {};

/**
 * Two versions as graphs, one above the other: the older with its removed tasks marked, the
 * newer with added and changed ones (the graph half of a version diff).
 */
interface Side {
  label: string;
  spec: PipelineSpec | PipelineDoc;
}

export function DiffGraph({
  left,
  right,
  templates = NO_TEMPLATES,
}: {
  left: Side;
  right: Side;
  templates?: ReadonlyMap<string, PaletteTemplate>;
}) {
  const { before, after } = useMemo(() => {
    const d = diffSpecs(left.spec as PipelineSpec, right.spec as PipelineSpec);
    const mark = (names: string[], c: Change) => Object.fromEntries(names.map((n) => [n, c]));
    return {
      before: { ...mark(d.tasks.removed, "removed"), ...mark(d.tasks.changed, "changed") } as Record<string, Change>,
      after: { ...mark(d.tasks.added, "added"), ...mark(d.tasks.changed, "changed") } as Record<string, Change>,
    };
  }, [left, right]);
  return (
    <div className="grid gap-2">
      {[
        { side: left, changes: before },
        { side: right, changes: after },
      ].map(({ side, changes }) => (
        <figure key={side.label} className="overflow-hidden rounded-lg border bg-background">
          <figcaption className="border-b bg-surface px-3 py-1.5 text-xs font-medium">{side.label}</figcaption>
          <div className="h-48">
            <Canvas
              label={`Graph of ${side.label}`}
              doc={side.spec as PipelineDoc}
              templates={templates}
              changes={changes}
              readOnly
              onTaskClick={noop}
            />
          </div>
        </figure>
      ))}
    </div>
  );
}
