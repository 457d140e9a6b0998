"use client";

import { Activity, Gauge, Hourglass, Shuffle, Timer } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDuration } from "@/components/ui/time";
import type { AnalyticsJson } from "@/lib/api-schemas";
import { BarList, TimeChart } from "./charts";

const pct = (v: number | null) => (v === null ? "–" : `${Math.round(v * 100)}%`);
const dur = (v: number | null) => (v === null ? "–" : formatDuration(v));
/** Axis labels: short. */
const axisDur = (ms: number) =>
  ms === 0
    ? "0"
    : ms < 1000
      ? `${Math.round(ms)}ms`
      : ms < 60_000
        ? `${+(ms / 1000).toFixed(1)}s`
        : ms < 3_600_000
          ? `${+(ms / 60_000).toFixed(1)}m`
          : `${+(ms / 3_600_000).toFixed(1)}h`;

/**
 * Run analytics of a pipeline, a project or everything the user may see: headline figures, then
 * runs and success rate, durations and queue time per day, then the slowest and flakiest tasks.
 * `showPipeline` names each task's pipeline (the cross-pipeline views).
 */
export function AnalyticsView({
  data,
  showPipeline = false,
  emptyAction,
}: {
  data: AnalyticsJson;
  showPipeline?: boolean;
  emptyAction?: ReactNode;
}) {
  const s = data.summary;
  if (s.runs === 0)
    return (
      <Card>
        <EmptyState icon={Activity} title={`No finished runs in the last ${data.days} days`} action={emptyAction}>
          Charts appear once runs finish: start a run (the Run button on a pipeline), or pick a longer window above.
        </EmptyState>
      </Card>
    );
  const daily = data.daily.map((d) => ({ ...d }));
  return (
    <div className="flex flex-col gap-4">
      <section aria-label="Summary" className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Tile
          icon={Gauge}
          label="Success rate"
          value={pct(s.successRate)}
          note={`${s.succeeded} of ${s.succeeded + s.failed} finished runs${s.cancelled ? `, ${s.cancelled} cancelled` : ""}`}
        />
        <Tile icon={Activity} label="Runs" value={String(s.runs)} note={`in ${data.days} days`} />
        <Tile icon={Timer} label="Duration p50 / p95" value={dur(s.durationP50)} note={`p95 ${dur(s.durationP95)}`} />
        <Tile icon={Hourglass} label="Queue time p50 / p95" value={dur(s.queueP50)} note={`p95 ${dur(s.queueP95)}`} />
      </section>
      {data.truncated && <p className="text-xs text-muted">Over 5,000 runs in this window: the figures count the newest 5,000.</p>}

      <Card>
        <CardHeader title="Runs and success rate per day" />
        <div className="p-3">
          <TimeChart
            label="Runs per day by outcome, with the success rate"
            data={daily}
            format={(v) => (Number.isInteger(v) ? String(v) : "")}
            series={[
              { key: "succeeded", label: "Succeeded", color: "var(--st-succeeded)", kind: "bar" },
              { key: "failed", label: "Failed", color: "var(--st-failed)", kind: "bar" },
              { key: "cancelled", label: "Cancelled", color: "var(--st-cancelled)", kind: "bar" },
              { key: "successRate", label: "Success rate", color: "var(--accent)", kind: "line", axis: "right" },
            ]}
          />
        </div>
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader title="Run duration" />
          <div className="p-3">
            <TimeChart
              label="Run duration per day, median and 95th percentile"
              data={daily}
              format={axisDur}
              series={[
                { key: "durationP50", label: "p50", color: "var(--accent)", kind: "line" },
                { key: "durationP95", label: "p95", color: "var(--st-waiting)", kind: "line" },
              ]}
            />
          </div>
        </Card>
        <Card>
          <CardHeader title="Queue time" />
          <div className="p-3">
            <TimeChart
              label="Queue time per day, median and 95th percentile"
              data={daily}
              format={axisDur}
              series={[
                { key: "queueP50", label: "p50", color: "var(--accent)", kind: "line" },
                { key: "queueP95", label: "p95", color: "var(--st-waiting)", kind: "line" },
              ]}
            />
          </div>
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader title="Slowest tasks" actions={<span className="text-xs text-muted">median bar, p95 mark</span>} />
          <div className="p-3">
            {data.slowestTasks.length === 0 ? (
              <p className="py-6 text-center text-sm text-muted">No task finished in this window.</p>
            ) : (
              <BarList
                label="Slowest tasks"
                max={Math.max(...data.slowestTasks.map((t) => t.p95))}
                rows={data.slowestTasks.map((t) => ({
                  key: `${t.pipelineId}/${t.stageName}/${t.name}`,
                  label: t.name,
                  sub: <TaskWhere t={t} showPipeline={showPipeline} />,
                  value: t.p50,
                  whisker: t.p95,
                  color: "var(--accent)",
                  text: formatDuration(t.p50),
                  title: `${t.name}: median ${formatDuration(t.p50)}, p95 ${formatDuration(t.p95)}, longest ${formatDuration(t.max)} over ${t.runs} runs`,
                }))}
              />
            )}
          </div>
        </Card>
        <Card>
          <CardHeader title="Flakiest tasks" actions={<Shuffle className="size-4 text-muted" aria-hidden />} />
          <div className="p-3">
            {data.flakyTasks.length === 0 ? (
              <p className="py-6 text-center text-sm text-muted">
                No flaky task: none both failed and passed on the same version, and none needed a retry to pass.
              </p>
            ) : (
              <BarList
                label="Flakiest tasks"
                max={1}
                rows={data.flakyTasks.map((t) => ({
                  key: `${t.pipelineId}/${t.stageName}/${t.name}`,
                  label: t.name,
                  sub: <TaskWhere t={t} showPipeline={showPipeline} />,
                  value: t.flakeRate,
                  color: "var(--st-failed)",
                  text: `${pct(t.flakeRate)} of ${t.runs}`,
                  title: `${t.name}: ${t.flakyFailures} failure${t.flakyFailures === 1 ? "" : "s"} on a version that also passed, ${t.retriedSuccesses} pass${t.retriedSuccesses === 1 ? "" : "es"} after a retry, ${t.flips} flip${t.flips === 1 ? "" : "s"} in ${t.runs} runs`,
                }))}
              />
            )}
            <p className="mt-3 text-[11px] text-muted">
              Flaky: failed and passed on unchanged code (the same pipeline version and commit) in this window, or passed only after a
              retry.
            </p>
          </div>
        </Card>
        {data.flakyTests.length > 0 && (
          <Card>
            <CardHeader title="Flakiest tests" actions={<Shuffle className="size-4 text-muted" aria-hidden />} />
            <ul aria-label="Flakiest tests" className="divide-y text-sm">
              {data.flakyTests.map((t) => (
                <li key={`${t.pipelineId}/${t.classname}/${t.name}`} className="flex items-baseline justify-between gap-3 px-3 py-2">
                  <span className="min-w-0">
                    <span className="block truncate font-medium" title={`${t.classname} › ${t.name}`}>
                      {t.name}
                    </span>
                    <span className="block truncate text-xs text-muted">
                      {showPipeline && (
                        <>
                          <Link href={`/pipelines/${t.pipelineId}?tab=analytics`} className="hover:text-foreground hover:underline">
                            {t.pipelineName}
                          </Link>{" "}
                          ·{" "}
                        </>
                      )}
                      {t.classname}
                    </span>
                  </span>
                  <span className="shrink-0 text-xs text-muted tabular-nums">
                    {t.flakyFailures} flaky failure{t.flakyFailures === 1 ? "" : "s"} on {t.commits} commit{t.commits === 1 ? "" : "s"}
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        )}
      </div>
    </div>
  );
}

function TaskWhere({ t, showPipeline }: { t: { pipelineId: string; pipelineName: string; stageName: string }; showPipeline: boolean }) {
  return showPipeline ? (
    <>
      <Link href={`/pipelines/${t.pipelineId}?tab=analytics`} className="hover:text-foreground hover:underline">
        {t.pipelineName}
      </Link>{" "}
      / {t.stageName}
    </>
  ) : (
    <>stage {t.stageName}</>
  );
}

function Tile({ icon: Icon, label, value, note }: { icon: typeof Gauge; label: string; value: string; note: string }) {
  return (
    <Card className="px-3 py-2.5">
      <p className="flex items-center gap-1.5 text-xs text-muted">
        <Icon className="size-3.5" aria-hidden /> {label}
      </p>
      <p className="mt-0.5 text-xl font-semibold tracking-tight tabular-nums">{value}</p>
      <p className="truncate text-xs text-muted">{note}</p>
    </Card>
  );
}

/** 7 / 30 / 90 days as links that keep the rest of the URL. */
export function WindowPicker({ days, href }: { days: number; href: Record<number, string> }) {
  return (
    <nav aria-label="Time window" className="inline-flex rounded-md border bg-surface p-0.5 text-xs">
      {[7, 30, 90].map((d) => (
        <Link
          key={d}
          href={href[d]}
          aria-current={d === days ? "page" : undefined}
          className={
            d === days
              ? "rounded bg-accent-soft px-2.5 py-1 font-medium text-accent"
              : "rounded px-2.5 py-1 text-muted hover:text-foreground"
          }
        >
          {d} days
        </Link>
      ))}
    </nav>
  );
}
