"use client";

import "./designer.css";
import { useMemo } from "react";
import type { RunJson } from "@/lib/api-schemas";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { Selection } from "@/lib/designer/to-graph";
import type { PipelineDoc, TaskPlace } from "@/lib/designer/types";
import { isFinallyStage } from "@/components/runs/run-groups";
import { Canvas } from "./canvas";

const NO_TEMPLATES: ReadonlyMap<string, PaletteTemplate> = new Map();

/** The run's stages as the graph shows them: the last one in the `finally` lane when it is the finally tasks'. */
function placeOf(run: RunJson, si: number): TaskPlace {
  return isFinallyStage(run, si) ? "finally" : si;
}

/** Where the task run with this id is in the run's graph. */
function selectionOf(run: RunJson, taskRunId: string | null): Selection {
  for (const [si, s] of run.stages.entries()) {
    const ti = s.tasks.findIndex((t) => t.id === taskRunId);
    if (ti >= 0) return { kind: "task", stage: placeOf(run, si), index: ti };
  }
  return null;
}

/** The `when` a task run (or its stage) ran under, as the spec wrote it, for the graph's marker. */
function conditionOf(when: readonly { expr: string; from: "stage" | "task" }[], from: "stage" | "task"): { when?: string } {
  const c = when.find((w) => w.from === from);
  return c ? { when: c.expr } : {};
}

/**
 * The designer's graph on the run page: read-only, nodes coloured by the live task statuses,
 * a click selecting the task whose log shows next to it.
 */
export function RunGraph({ run, selected, onSelect }: { run: RunJson; selected: string | null; onSelect: (taskRunId: string) => void }) {
  // Structure only changes with a new version; statuses change on every live event. The document
  // is read back from its own text, so a live event that leaves the structure alone keeps it.
  const hasFinally = run.stages.some((_, si) => isFinallyStage(run, si));
  const stages = hasFinally ? run.stages.slice(0, -1) : run.stages;
  const taskOf = (t: RunJson["stages"][number]["tasks"][number]) => ({
    name: t.name,
    template: t.template,
    ...conditionOf(t.when ?? [], "task"),
  });
  const shape = JSON.stringify({
    name: run.pipelineName,
    stages: stages.map((s) => ({
      name: s.name,
      mode: s.mode,
      ...conditionOf(
        s.tasks.flatMap((t) => t.when ?? []),
        "stage",
      ),
      tasks: s.tasks.map(taskOf),
    })),
    ...(hasFinally ? { finally: run.stages[run.stages.length - 1].tasks.map(taskOf) } : {}),
  } satisfies PipelineDoc);
  const doc = useMemo(() => JSON.parse(shape) as PipelineDoc, [shape]);
  const statuses = useMemo(() => Object.fromEntries(run.stages.flatMap((s) => s.tasks.map((t) => [t.name, t.status]))), [run]);
  const stageStatuses = useMemo(() => Object.fromEntries(run.stages.map((s) => [s.name, s.status])), [run]);
  const selection = useMemo(() => selectionOf(run, selected), [run, selected]);

  return (
    <div className="h-64 overflow-hidden rounded-lg border bg-background">
      <Canvas
        label="Run graph"
        doc={doc}
        templates={NO_TEMPLATES}
        statuses={statuses}
        stageStatuses={stageStatuses}
        selection={selection}
        readOnly
        onTaskClick={(si, ti) => {
          const t = run.stages[si === "finally" ? run.stages.length - 1 : si]?.tasks[ti];
          if (t) onSelect(t.id);
        }}
      />
    </div>
  );
}
