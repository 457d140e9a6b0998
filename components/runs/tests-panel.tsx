"use client";

import { useQuery } from "@tanstack/react-query";
import { FlaskConical } from "lucide-react";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import type { RunTests, TestCase, TestStatus } from "@/lib/test-reports";
import { getJson } from "@/components/analytics/get-json";

/** A failure text longer than this many lines starts folded. */
const FOLD_LINES = 12;

export const TEST_STATUS_STYLE: Record<TestStatus, { label: string; text: string; bg: string }> = {
  failed: { label: "failed", text: "text-st-failed", bg: "bg-st-failed" },
  error: { label: "error", text: "text-st-failed", bg: "bg-st-failed/60" },
  skipped: { label: "skipped", text: "text-st-skipped", bg: "bg-st-skipped/50" },
  passed: { label: "passed", text: "text-st-succeeded", bg: "bg-st-succeeded" },
};

/**
 * The run's tests from its tasks' JUnit reports (GET /api/v1/runs/{id}/tests): counts by status
 * and each failed test with its failure text. Fetched again when the run's status changes (a task
 * ended); nothing is shown for a run without reports.
 */
export function TestsPanel({ runId, runStatus }: { runId: string; runStatus: string }) {
  const { data } = useRunTests(runId, runStatus);
  if (!data || data.counts.total === 0) return null;
  const { counts } = data;
  const failed = data.cases.filter((c) => c.status === "failed" || c.status === "error");
  return (
    <Card aria-labelledby="tests-heading">
      <CardHeader
        id="tests-heading"
        title={
          <span className="inline-flex items-center gap-2">
            <FlaskConical className="size-4 text-muted" aria-hidden /> Tests
          </span>
        }
        actions={
          <p aria-label="Test counts" className="flex gap-3 text-xs tabular-nums">
            <span className="text-st-succeeded">{counts.passed} passed</span>
            <span className={cn(counts.failed ? "text-st-failed" : "text-muted")}>{counts.failed} failed</span>
            {counts.error > 0 && <span className="text-st-failed">{counts.error} errors</span>}
            <span className="text-muted">{counts.skipped} skipped</span>
          </p>
        }
      />
      {failed.length === 0 ? (
        <p className="px-3 py-2 text-sm text-muted">All {counts.total} tests passed or were skipped.</p>
      ) : (
        <ul aria-label="Failed tests" className="divide-y">
          {failed.map((c, i) => (
            <FailedTest key={`${c.key}-${c.task}-${i}`} c={c} />
          ))}
        </ul>
      )}
      {data.truncated && <p className="border-t px-3 py-2 text-xs text-muted">Only the first {data.cases.length} tests are listed.</p>}
    </Card>
  );
}

/** One query per run and status, shared by the panel and the header's summary. */
function useRunTests(runId: string, runStatus: string) {
  return useQuery({
    queryKey: ["run-tests", runId, runStatus],
    queryFn: () => getJson<RunTests>(`/api/v1/runs/${runId}/tests`),
    placeholderData: (prev) => prev,
  });
}

/** "12 tests, 2 failed" in the run's header, linking down to the Tests panel below the log. */
export function TestsSummary({ runId, runStatus }: { runId: string; runStatus: string }) {
  const { data } = useRunTests(runId, runStatus);
  if (!data || data.counts.total === 0) return null;
  const bad = data.counts.failed + data.counts.error;
  return (
    <a href="#tests-heading" className={cn("underline", bad > 0 && "text-st-failed")}>
      {data.counts.total} tests, {bad > 0 ? `${bad} failed` : "none failed"}
    </a>
  );
}

function FailedTest({ c }: { c: TestCase }) {
  const lines = c.failure?.split("\n") ?? [];
  const text = c.failure && (
    <pre className="mt-1 max-h-96 overflow-auto rounded bg-surface-2 p-2 font-mono text-xs whitespace-pre-wrap">{c.failure}</pre>
  );
  return (
    <li className="px-3 py-2" aria-label={`${c.classname} ${c.name}`}>
      <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
        <span className={cn("text-xs font-semibold uppercase", TEST_STATUS_STYLE[c.status].text)}>{TEST_STATUS_STYLE[c.status].label}</span>
        <span className="font-medium break-all">{c.name}</span>
        <span className="font-mono text-xs break-all text-muted">{c.classname}</span>
        {c.task && <span className="text-xs text-muted">in task {c.task}</span>}
      </div>
      {c.failure &&
        (lines.length > FOLD_LINES ? (
          <details>
            <summary className="cursor-pointer font-mono text-xs text-muted">
              {lines[0]} <span className="italic">({lines.length} lines)</span>
            </summary>
            {text}
          </details>
        ) : (
          text
        ))}
    </li>
  );
}
