"use client";

import { ChevronRight } from "lucide-react";
import { Duration } from "@/components/ui/relative-time";
import { cn } from "@/components/ui/cn";
import type { RunJson } from "@/lib/api-schemas";
import { StatusIcon, statusLabel } from "./status-badge";

/** Stages in order, each with its tasks; a task is a button that opens its log. */
export function StageList({ run, selected, onSelect }: { run: RunJson; selected: string | null; onSelect: (taskRunId: string) => void }) {
  return (
    <ol className="flex flex-col gap-3" aria-label="Stages">
      {run.stages.map((stage, i) => (
        <li key={`${i}-${stage.name}`}>
          <div className="mb-1 flex items-center gap-2 px-1">
            <StatusIcon status={stage.status} className="size-3.5" />
            <h3 className="truncate text-xs font-semibold tracking-wide text-muted uppercase">{stage.name}</h3>
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
            {stage.tasks.map((t) => {
              const active = t.id === selected;
              return (
                <li key={t.id}>
                  <button
                    type="button"
                    onClick={() => onSelect(t.id)}
                    aria-pressed={active}
                    // Why it was skipped (its condition) shows on hover; selecting it shows it in full.
                    title={t.status === "skipped" ? (t.message ?? undefined) : undefined}
                    aria-label={`${t.name}, ${statusLabel(t.status).toLowerCase()}${t.reusedFrom ? ", reused from an earlier run" : ""}`}
                    className={cn(
                      "group flex h-8 w-full items-center gap-2 rounded-md px-2 text-left text-sm hover:bg-surface-2",
                      active && "bg-accent-soft hover:bg-accent-soft",
                    )}
                  >
                    <StatusIcon status={t.status} />
                    <span className={cn("min-w-0 flex-1 truncate", active && "font-medium")}>{t.name}</span>
                    {t.reusedFrom && (
                      <span
                        className="rounded border px-1 text-[11px] text-muted"
                        title="not run again: the result of an earlier run was reused"
                      >
                        reused
                      </span>
                    )}
                    {t.maxAttempts > 1 && t.attempt > 1 && (
                      <span className="text-[11px] text-muted" title={`attempt ${t.attempt} of ${t.maxAttempts}`}>
                        #{t.attempt}
                      </span>
                    )}
                    <Duration start={t.startedAt} end={t.finishedAt} className="text-xs text-muted tabular-nums" />
                    <ChevronRight
                      className={cn("size-3.5 text-muted opacity-0 group-hover:opacity-100", active && "opacity-100")}
                      aria-hidden
                    />
                  </button>
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ol>
  );
}
