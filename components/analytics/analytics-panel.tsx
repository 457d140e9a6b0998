"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleAlert, LoaderCircle } from "lucide-react";
import { useState } from "react";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import type { AnalyticsJson } from "@/lib/api-schemas";
import { AnalyticsView } from "./analytics-view";
import { getJson } from "./get-json";

const WINDOWS = [7, 30, 90] as const;

/**
 * Analytics fetched when shown (the pipeline page's tab): the page itself, the designer above
 * all, does not wait for them. `endpoint` is the REST URL without `days`.
 */
export function AnalyticsPanel({ endpoint, showPipeline = false }: { endpoint: string; showPipeline?: boolean }) {
  const [days, setDays] = useState<number>(30);
  const { data, error, isFetching } = useQuery({
    queryKey: ["analytics", endpoint, days],
    queryFn: () => getJson<AnalyticsJson>(`${endpoint}${endpoint.includes("?") ? "&" : "?"}days=${days}`),
    placeholderData: (prev) => prev,
    staleTime: 30_000,
  });
  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-3">
        <div role="group" aria-label="Time window" className="inline-flex rounded-md border bg-surface p-0.5 text-xs">
          {WINDOWS.map((d) => (
            <button
              key={d}
              type="button"
              aria-pressed={d === days}
              onClick={() => setDays(d)}
              className={
                d === days
                  ? "rounded bg-accent-soft px-2.5 py-1 font-medium text-accent"
                  : "rounded px-2.5 py-1 text-muted hover:text-foreground"
              }
            >
              {d} days
            </button>
          ))}
        </div>
        {isFetching && <LoaderCircle className="size-4 animate-spin text-muted" aria-label="Loading analytics" />}
      </div>
      {error ? (
        <Card>
          <EmptyState icon={CircleAlert} title="Could not load the analytics">
            {(error as Error).message}. Try again in a moment.
          </EmptyState>
        </Card>
      ) : data ? (
        <AnalyticsView data={data} showPipeline={showPipeline} />
      ) : (
        <Card className="grid h-64 place-items-center text-sm text-muted">Loading analytics…</Card>
      )}
    </div>
  );
}
