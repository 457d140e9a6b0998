"use client";

import { useEffect, useMemo, useState } from "react";
import { StatusIcon, statusLabel } from "@/components/runs/status-badge";
import { cn } from "@/components/ui/cn";
import { formatClock, formatDuration } from "@/components/ui/time";
import { timeline, timeTicks, type TimelineRow, type TimelineRunInput } from "@/lib/analytics/timeline";

/**
 * The run as a Gantt chart: a row per task, its wait (light) and its run (status colour, the same
 * as everywhere else), on one time axis from the run's creation. Hover or focus shows exact times;
 * a click opens the task's log like the list and the graph do.
 */
export function RunTimeline({
  run,
  selected,
  onSelect,
}: {
  run: TimelineRunInput;
  selected?: string | null;
  onSelect?: (taskId: string) => void;
}) {
  const [now, setNow] = useState(() => Date.now());
  const { rows, from, to } = useMemo(() => timeline(run, now), [run, now]);
  const live = rows.some((r) => r.open) || !run.finishedAt;
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [live]);
  const [hover, setHover] = useState<string | null>(null);
  const span = to - from;
  const pct = (ms: number) => `${((ms - from) / span) * 100}%`;
  const ticks = timeTicks(span);

  return (
    <figure aria-label="Run timeline" className="rounded-lg border bg-surface p-3">
      <div className="grid grid-cols-[minmax(8rem,14rem)_minmax(0,1fr)] gap-x-3">
        <span />
        <div className="relative mb-1 h-4 text-[10px] text-muted" aria-hidden>
          {ticks.map((v) => (
            <span key={v} className="absolute -translate-x-1/2 tabular-nums" style={{ left: `${(v / span) * 100}%` }}>
              {v === 0 ? "0" : formatDuration(v).replace(".0 s", " s")}
            </span>
          ))}
        </div>
        {rows.map((r, i) => (
          <Row
            key={r.id}
            row={r}
            first={i === 0 || rows[i - 1].stage !== r.stage}
            pct={pct}
            ticks={ticks}
            span={span}
            selected={selected === r.id}
            hover={hover === r.id}
            setHover={setHover}
            onSelect={onSelect}
          />
        ))}
      </div>
      <figcaption className="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 pl-1 text-xs text-muted">
        <span className="flex items-center gap-1.5">
          <span aria-hidden className="h-2.5 w-4 rounded-sm border border-dashed border-muted/60 bg-surface-2" /> waiting (queue, start-up)
        </span>
        <span className="flex items-center gap-1.5">
          <span aria-hidden className="h-2.5 w-4 rounded-sm bg-st-succeeded" /> running, in the task&apos;s status colour
        </span>
        <span>Times from the run&apos;s creation at {formatClock(from)}</span>
      </figcaption>
    </figure>
  );
}

function Row({
  row: r,
  first,
  pct,
  ticks,
  span,
  selected,
  hover,
  setHover,
  onSelect,
}: {
  row: TimelineRow;
  first: boolean;
  pct: (ms: number) => string;
  ticks: number[];
  span: number;
  selected: boolean;
  hover: boolean;
  setHover: (id: string | null) => void;
  onSelect?: (id: string) => void;
}) {
  const waited = r.ready !== null && r.start !== null ? r.start - r.ready : null;
  const ran = r.start !== null && r.end !== null ? r.end - r.start : null;
  const summary = `${r.name}: ${statusLabel(r.status).toLowerCase()}${waited !== null ? `, waited ${formatDuration(waited)}` : ""}${ran !== null ? `, ran ${formatDuration(ran)}${r.open ? " so far" : ""}` : ""}`;
  return (
    <>
      <div className={cn("flex min-w-0 items-center gap-1.5 py-1 text-xs", first && "mt-1 border-t pt-2")}>
        <StatusIcon status={r.status} className="size-3.5" />
        <span className="truncate">
          {first ? <span className="text-muted">{r.stage} / </span> : <span className="inline-block w-3" />}
          <span className="font-medium">{r.name}</span>
        </span>
      </div>
      <div className={cn("relative py-1", first && "mt-1 border-t pt-2")}>
        <div aria-hidden className="pointer-events-none absolute inset-0">
          {ticks.map((v) => (
            <span key={v} className="absolute inset-y-0 w-px bg-border/60" style={{ left: `${(v / span) * 100}%` }} />
          ))}
        </div>
        <button
          type="button"
          aria-label={summary}
          data-task-bar={r.name}
          aria-pressed={selected}
          onClick={() => onSelect?.(r.id)}
          onMouseEnter={() => setHover(r.id)}
          onMouseLeave={() => setHover(null)}
          onFocus={() => setHover(r.id)}
          onBlur={() => setHover(null)}
          className={cn(
            "relative block h-5 w-full rounded outline-none focus-visible:ring-2 focus-visible:ring-ring",
            selected && "bg-accent-soft/60",
          )}
        >
          {waited !== null && r.ready !== null && r.start !== null && waited > 0 && (
            <span
              className="absolute inset-y-1 rounded-l-sm border border-dashed border-muted/50 bg-surface-2"
              style={{ left: pct(r.ready), width: `calc(${pct(r.start)} - ${pct(r.ready)})` }}
            />
          )}
          {r.start !== null && r.end !== null && (
            <span
              className={cn("absolute inset-y-0.5 min-w-0.5 rounded-sm", r.open && "animate-pulse")}
              style={{ left: pct(r.start), width: `calc(${pct(r.end)} - ${pct(r.start)})`, background: `var(--st-${r.status})` }}
            />
          )}
          {r.start === null && (
            <span className="absolute inset-y-0 left-1 flex items-center text-[10px] text-muted">
              {statusLabel(r.status).toLowerCase()}
            </span>
          )}
        </button>
        {hover && (
          <div
            role="tooltip"
            className="absolute top-full z-10 mt-1 rounded-md border bg-surface px-2.5 py-1.5 text-xs shadow-md"
            style={{ left: r.start !== null ? pct(r.start) : 0 }}
          >
            <p className="mb-1 flex items-center gap-1.5 font-medium">
              <StatusIcon status={r.status} className="size-3.5" /> {r.stage} / {r.name} · {statusLabel(r.status)}
            </p>
            <dl className="grid grid-cols-[auto_auto] gap-x-3 tabular-nums">
              {r.ready !== null && (
                <>
                  <dt className="text-muted">ready</dt>
                  <dd>{formatClock(r.ready)}</dd>
                </>
              )}
              {r.start !== null && (
                <>
                  <dt className="text-muted">started</dt>
                  <dd>{formatClock(r.start)}</dd>
                </>
              )}
              {r.end !== null && !r.open && (
                <>
                  <dt className="text-muted">finished</dt>
                  <dd>{formatClock(r.end)}</dd>
                </>
              )}
              {waited !== null && (
                <>
                  <dt className="text-muted">waited</dt>
                  <dd>{formatDuration(waited)}</dd>
                </>
              )}
              {ran !== null && (
                <>
                  <dt className="text-muted">{r.open ? "running for" : "ran"}</dt>
                  <dd>{formatDuration(ran)}</dd>
                </>
              )}
            </dl>
          </div>
        )}
      </div>
    </>
  );
}
