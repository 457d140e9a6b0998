"use client";

import { ChevronDown, ChevronRight, Flag } from "lucide-react";
import { useState } from "react";
import { Duration } from "@/components/ui/relative-time";
import { cn } from "@/components/ui/cn";
import type { RunJson } from "@/lib/api-schemas";
import { matrixStatus } from "@/lib/matrix";
import { combinationOf, groupMatrixRuns, isFinallyStage, matrixSummary } from "./run-groups";
import { StatusIcon, statusLabel } from "./status-badge";

type TaskRunJson = RunJson["stages"][number]["tasks"][number];

/**
 * Stages in order, each with its tasks; a task is a button that opens its log. The task runs of a
 * matrix task are grouped under a row of their own, and the `finally` tasks' stage says what it is.
 */
export function StageList({ run, selected, onSelect }: { run: RunJson; selected: string | null; onSelect: (taskRunId: string) => void }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <ol className="flex flex-col gap-3" aria-label="Stages">
      {run.stages.map((stage, i) => {
        const isFinally = isFinallyStage(run, i);
        return (
          <li key={`${i}-${stage.name}`}>
            <div className="mb-1 flex items-center gap-2 px-1">
              <StatusIcon status={stage.status} className="size-3.5" />
              <h3 className="truncate text-xs font-semibold tracking-wide text-muted uppercase">{stage.name}</h3>
              {isFinally && (
                <span
                  className="inline-flex items-center gap-0.5 rounded border border-st-waiting/40 px-1 text-[10px] text-st-waiting"
                  title="The finally tasks: they run after all stages, whatever those came to"
                >
                  <Flag className="size-2.5" aria-hidden /> after all stages
                </span>
              )}
              {stage.mode === "parallel" && stage.tasks.length > 1 && (
                <span className="rounded border px-1 text-[10px] text-muted" title="Tasks of this stage run at the same time">
                  parallel
                </span>
              )}
            </div>
            <ul
              className={cn(
                "flex flex-col gap-0.5",
                stage.mode === "parallel" && stage.tasks.length > 1 && "border-l-2 border-border pl-1.5 ml-2.5",
              )}
            >
              {groupMatrixRuns(stage.tasks).map((row) => {
                if (row.kind === "task")
                  return (
                    <li key={row.task.id}>
                      <TaskButton task={row.task} label={row.task.name} active={row.task.id === selected} onSelect={onSelect} />
                    </li>
                  );
                const key = `${i}/${row.name}`;
                const open = !collapsed.has(key);
                const summary = matrixSummary(row.tasks);
                const groupId = `matrix-${i}-${row.name}`;
                return (
                  <li key={key}>
                    <button
                      type="button"
                      aria-expanded={open}
                      aria-controls={groupId}
                      onClick={() => toggle(key)}
                      className="flex h-8 w-full items-center gap-2 rounded-md px-2 text-left text-sm hover:bg-surface-2"
                    >
                      <StatusIcon status={matrixStatus(row.tasks.map((t) => t.status)) ?? "running"} />
                      <span className="min-w-0 flex-1 truncate" title={`${row.name} (${summary})`}>
                        {row.name} <span className="text-muted">({summary})</span>
                      </span>
                      {open ? (
                        <ChevronDown className="size-3.5 text-muted" aria-hidden />
                      ) : (
                        <ChevronRight className="size-3.5 text-muted" aria-hidden />
                      )}
                    </button>
                    {open && (
                      <ul
                        id={groupId}
                        aria-label={`Combinations of ${row.name}`}
                        className="ml-3.5 flex flex-col gap-0.5 border-l-2 border-border pl-1.5"
                      >
                        {row.tasks.map((t) => (
                          <li key={t.id}>
                            <TaskButton
                              task={t}
                              label={combinationOf(t)?.values ?? t.name}
                              active={t.id === selected}
                              onSelect={onSelect}
                            />
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                );
              })}
            </ul>
          </li>
        );
      })}
    </ol>
  );
}

function TaskButton({
  task: t,
  label,
  active,
  onSelect,
}: {
  task: TaskRunJson;
  /** What the row shows: the task's name, or a combination's values under its matrix task. */
  label: string;
  active: boolean;
  onSelect: (taskRunId: string) => void;
}) {
  return (
    // The row is clickable throughout (the button's ::after covers it), but the button holds only
    // what its label says; the extras sit beside it (label in name).
    <div
      className={cn(
        "group relative flex h-8 w-full items-center gap-2 rounded-md px-2 text-sm hover:bg-surface-2",
        active && "bg-accent-soft hover:bg-accent-soft",
      )}
    >
      <StatusIcon status={t.status} />
      <button
        type="button"
        onClick={() => onSelect(t.id)}
        aria-pressed={active}
        // Why it was skipped (its condition) shows on hover; selecting it shows it in full.
        title={t.status === "skipped" ? (t.message ?? label) : label}
        aria-label={`${t.name}, ${statusLabel(t.status).toLowerCase()}${t.reusedFrom ? ", reused from an earlier run" : ""}${t.maxAttempts > 1 && t.attempt > 1 ? `, attempt ${t.attempt} of ${t.maxAttempts}` : ""}`}
        className={cn(
          "min-w-0 flex-1 truncate text-left outline-none after:absolute after:inset-0 after:rounded-md focus-visible:after:ring-2 focus-visible:after:ring-ring",
          active && "font-medium",
        )}
      >
        {label}
      </button>
      {t.reusedFrom && (
        <span className="rounded border px-1 text-[11px] text-muted" title="not run again: the result of an earlier run was reused">
          reused
        </span>
      )}
      {t.maxAttempts > 1 && t.attempt > 1 && (
        <span className="text-[11px] text-muted" title={`attempt ${t.attempt} of ${t.maxAttempts}`}>
          #{t.attempt}
        </span>
      )}
      <Duration start={t.startedAt} end={t.finishedAt} className="text-xs text-muted tabular-nums" />
      <ChevronRight className={cn("size-3.5 text-muted opacity-0 group-hover:opacity-100", active && "opacity-100")} aria-hidden />
    </div>
  );
}
