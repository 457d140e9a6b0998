"use client";

import { useQuery } from "@tanstack/react-query";
import { ChevronDown, ChevronRight, GitCompareArrows, Repeat, SearchCheck } from "lucide-react";
import Link from "next/link";
import { useId, useState } from "react";
import { getJson } from "@/components/analytics/get-json";
import { cn } from "@/components/ui/cn";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ComparisonJson, TriageJson } from "@/lib/api-schemas";

const REASON_TEXT: Record<string, string> = {
  OOMKilled: "out of memory: the container was killed at its memory limit",
  ImagePullBackOff: "the image could not be pulled",
  DeadlineExceeded: "the task ran out of time",
  Evicted: "the node evicted the pod",
  Unschedulable: "no node could run the pod",
};

/**
 * Why a failed task failed (docs/triage.md), above its log: the Kubernetes reason, the first
 * error with its context and a link to its line, whether the task is flaky, the other runs
 * with the same failure, and on demand the comparison with the last green run.
 */
export function TriagePanel({ taskRunId, triage }: { taskRunId: string; triage: TriageJson }) {
  const { firstError, reason, flaky, similarRuns } = triage;
  const [comparing, setComparing] = useState(false);
  const compareId = useId();
  return (
    <section
      aria-label="Why it failed"
      className="flex max-h-[45%] flex-col gap-2 overflow-y-auto border-b bg-st-failed/5 px-3 py-2 text-xs"
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 className="flex items-center gap-1.5 font-semibold">
          <SearchCheck className="size-3.5 text-st-failed" aria-hidden /> Why it failed
        </h3>
        {reason && (
          <span className="rounded bg-st-failed/15 px-1.5 py-0.5 font-medium text-st-failed" title={REASON_TEXT[reason]}>
            {reason}: {REASON_TEXT[reason]}
          </span>
        )}
        {flaky.flaky && (
          <span className="inline-flex items-center gap-1 rounded bg-st-waiting/15 px-1.5 py-0.5 font-medium" data-testid="flaky">
            <Repeat className="size-3" aria-hidden />
            flaky: failed {flaky.failures} of the last {flaky.runs} runs on unchanged code
          </span>
        )}
        {firstError && (
          <a href={`#L${firstError.line}`} className="text-accent underline-offset-2 hover:underline">
            line {firstError.line}
          </a>
        )}
      </div>
      {firstError && (
        <pre className="overflow-x-auto rounded border bg-surface p-2 font-mono text-[11px] leading-snug" aria-label="First error">
          {firstError.context.map((c) => (
            <div key={c.line} className={cn(c.line === firstError.line && "bg-st-failed/15 font-semibold")}>
              <span className="mr-3 inline-block w-10 text-right text-muted select-none">{c.line}</span>
              {c.text}
            </div>
          ))}
        </pre>
      )}
      {similarRuns.count > 0 && (
        <p data-testid="similar-runs">
          The same failure in {similarRuns.count} other task run{similarRuns.count === 1 ? "" : "s"} of this project
          {similarRuns.firstSeen && (
            <>
              , first seen <RelativeTime date={similarRuns.firstSeen} />
            </>
          )}
          :{" "}
          {similarRuns.runs.map((r, i) => (
            <span key={`${r.runId}-${r.taskName}`}>
              {i > 0 && ", "}
              <Link href={`/runs/${r.runId}`} className="text-accent underline underline-offset-2">
                {r.pipelineName} #{r.number}
              </Link>{" "}
              <span className="text-muted">({r.taskName})</span>
            </span>
          ))}
        </p>
      )}
      <div>
        <button
          type="button"
          aria-expanded={comparing}
          aria-controls={compareId}
          onClick={() => setComparing((c) => !c)}
          className="inline-flex items-center gap-1 rounded px-1 py-0.5 font-medium hover:bg-surface-2 focus-visible:outline-2"
        >
          {comparing ? <ChevronDown className="size-3.5" aria-hidden /> : <ChevronRight className="size-3.5" aria-hidden />}
          <GitCompareArrows className="size-3.5" aria-hidden /> Compare with the last green run
        </button>
        {comparing && (
          <div id={compareId}>
            <Comparison taskRunId={taskRunId} />
          </div>
        )}
      </div>
    </section>
  );
}

function Comparison({ taskRunId }: { taskRunId: string }) {
  const { data, error, isPending } = useQuery({
    queryKey: ["compare", taskRunId],
    queryFn: () => getJson<ComparisonJson>(`/api/v1/task-runs/${taskRunId}/compare`),
    staleTime: Infinity,
  });
  if (isPending) return <p className="mt-1 text-muted">Comparing…</p>;
  if (error) return <p className="mt-1 text-st-failed">Could not compare: {error.message}</p>;
  if (!data.baseline || !data.changes)
    return <p className="mt-1 text-muted">No earlier successful run of this pipeline and branch ran this task: nothing to compare with.</p>;
  const ch = data.changes;
  const version = ch.pipelineVersion;
  return (
    <div className="mt-1 flex flex-col gap-2" data-testid="comparison">
      <p>
        Compared with{" "}
        <Link href={`/runs/${data.baseline.runId}?task=${data.baseline.taskRunId}`} className="text-accent underline underline-offset-2">
          run #{data.baseline.number}
        </Link>
        , the last green run of this task on the same branch.
      </p>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1">
        <dt className="text-muted">Commits</dt>
        <dd>
          {ch.commits.length === 0 ? (
            <span className="text-muted">none recorded</span>
          ) : (
            <ul>
              {ch.commits.map((c) => (
                <li key={c.sha}>
                  <code>{c.sha.slice(0, 8)}</code> {c.message.split("\n")[0]} <span className="text-muted">({c.author})</span>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt className="text-muted">Pipeline</dt>
        <dd>
          {!version || version.diff.same ? (
            <span className="text-muted">same definition</span>
          ) : (
            <>
              version {version.from} → {version.to}
              {version.diff.tasks.changed.length > 0 && `; changed tasks: ${version.diff.tasks.changed.join(", ")}`}
              {version.diff.tasks.added.length > 0 && `; added: ${version.diff.tasks.added.join(", ")}`}
              {version.diff.tasks.removed.length > 0 && `; removed: ${version.diff.tasks.removed.join(", ")}`}
              {version.diff.pipeline.length > 0 && `; settings: ${version.diff.pipeline.join(", ")}`}
            </>
          )}
        </dd>
        {ch.templates.length > 0 && <Changed label="Templates" items={ch.templates.map((t) => [t.task, t.from, t.to])} />}
        {ch.images.length > 0 && <Changed label="Images" items={ch.images.map((t) => [t.task, t.from, t.to])} />}
        {ch.params.length > 0 && <Changed label="Params" items={ch.params.map((p) => [p.name, p.from ?? "unset", p.to ?? "unset"])} />}
        {ch.runner && <Changed label="Ran on" items={[["", ch.runner.from ?? "?", ch.runner.to ?? "?"]]} />}
      </dl>
      <LogDiffView log={data.log} />
    </div>
  );
}

function Changed({ label, items }: { label: string; items: [string, string, string][] }) {
  return (
    <>
      <dt className="text-muted">{label}</dt>
      <dd>
        {items.map(([what, from, to]) => (
          <div key={what + from}>
            {what && <span className="font-mono">{what}: </span>}
            <span className="font-mono">{from}</span> → <span className="font-mono">{to}</span>
          </div>
        ))}
      </dd>
    </>
  );
}

function LogDiffView({ log }: { log: ComparisonJson["log"] }) {
  if (!log) return null;
  if (log.tooDifferent) return <p className="text-muted">The two logs have too little in common to compare line by line.</p>;
  if (log.hunks.length === 0) return <p className="text-muted">The logs differ only in times, numbers and paths.</p>;
  return (
    <div>
      <p className="mb-1">
        Log:{" "}
        <span className="text-st-failed">
          {log.added} line{log.added === 1 ? "" : "s"} only in this run
        </span>
        , <span className="text-st-succeeded">{log.removed} only in the green run</span>
        {log.truncated && <span className="text-muted"> (the last 5,000 lines of each)</span>}
      </p>
      <pre className="overflow-x-auto rounded border bg-surface font-mono text-[11px] leading-snug" aria-label="Log differences">
        {log.hunks.map((h, i) => (
          <div key={i} className={cn(i > 0 && "border-t border-dashed")}>
            {h.map((l, j) => (
              <div
                key={j}
                data-op={l.op}
                className={cn("px-2", l.op === "add" && "bg-st-failed/15", l.op === "del" && "bg-st-succeeded/15 text-muted")}
              >
                <span className="mr-2 inline-block w-3 select-none">{l.op === "add" ? "+" : l.op === "del" ? "−" : " "}</span>
                {l.op === "del" ? l.text : <a href={`#L${l.line}`}>{l.text}</a>}
              </div>
            ))}
          </div>
        ))}
      </pre>
    </div>
  );
}
