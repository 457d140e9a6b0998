"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { TEST_STATUS_STYLE } from "@/components/runs/tests-panel";
import type { TestHistory } from "@/lib/test-reports";
import { getJson } from "./get-json";

const RUNS = 20;

/**
 * Per-test history of one pipeline (GET /api/v1/pipelines/{id}/tests/history): the tests that
 * failed in its latest runs with test reports, each with one square per run, oldest on the left
 * (red failed, green passed, grey skipped, empty not reported), linking to that run.
 */
export function TestHistoryPanel({ pipelineId }: { pipelineId: string }) {
  const { data, error } = useQuery({
    queryKey: ["test-history", pipelineId],
    queryFn: () => getJson<TestHistory>(`/api/v1/pipelines/${pipelineId}/tests/history?runs=${RUNS}`),
    staleTime: 30_000,
  });
  return (
    <Card aria-labelledby="test-history-heading">
      <CardHeader id="test-history-heading" title="Test history" />
      {error ? (
        <p className="px-3 py-2 text-sm text-danger">Could not load the test history: {(error as Error).message}</p>
      ) : !data ? (
        <p className="px-3 py-2 text-sm text-muted">Loading the test history…</p>
      ) : data.runs.length === 0 ? (
        <p className="px-3 py-2 text-sm text-muted">
          No run has test reports yet. Give a task <span className="font-mono">{'reports: {junit: "reports/*.xml"}'}</span> to see its tests
          here.
        </p>
      ) : data.tests.length === 0 ? (
        <p className="px-3 py-2 text-sm text-muted">No test failed in the last {data.runs.length} runs with test reports.</p>
      ) : (
        <table className="w-full text-sm" aria-label="Tests that failed recently">
          <thead>
            <tr className="border-b text-left text-xs text-muted">
              <th className="px-3 py-1.5 font-medium">Test</th>
              <th className="px-3 py-1.5 font-medium">Failed</th>
              <th className="px-3 py-1.5 font-medium">
                Runs #{data.runs[0].number} → #{data.runs[data.runs.length - 1].number}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y">
            {data.tests.map((t) => (
              <tr key={t.key} aria-label={`${t.classname} ${t.name}`}>
                <td className="max-w-md px-3 py-1.5" title={t.lastFailure ?? undefined}>
                  <div className="font-medium break-all">{t.name}</div>
                  <div className="font-mono text-xs break-all text-muted">{t.classname}</div>
                </td>
                <td className="px-3 py-1.5 tabular-nums">
                  {t.failures} of {t.statuses.filter((s) => s !== null).length}
                </td>
                <td className="px-3 py-1.5">
                  <ol className="flex gap-0.5" aria-label="Status per run, oldest first">
                    {t.statuses.map((s, i) => {
                      const run = data.runs[i];
                      const label = `run #${run.number}: ${s ?? "not reported"}`;
                      return (
                        <li key={run.id}>
                          <Link
                            href={`/runs/${run.id}`}
                            aria-label={label}
                            title={label}
                            className={cn("block size-3.5 rounded-sm border", s ? TEST_STATUS_STYLE[s].bg : "bg-transparent")}
                          />
                        </li>
                      );
                    })}
                  </ol>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
