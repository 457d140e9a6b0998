"use client";

import { useQuery } from "@tanstack/react-query";
import { PlayCircle } from "lucide-react";
import { ACTIVE_STATUSES } from "@/lib/status";
import { EmptyState } from "@/components/ui/empty-state";
import { Pagination } from "@/components/ui/pagination";
import { runRows } from "./run-rows";
import { RunsTable } from "./runs-table";

export interface RunPageJson {
  /** As GET /api/v1/pipelines/{id}/runs answers them (times as ISO text). */
  items: Parameters<typeof runRows>[0];
  total: number;
  page: number;
  perPage: number;
}

/** Often while one of the shown runs moves, less often while only a new run could appear. */
export const ACTIVE_POLL_MS = 3_000;
export const IDLE_POLL_MS = 10_000;

export function pollInterval(page: RunPageJson | undefined): number {
  return page?.items.some((r) => (ACTIVE_STATUSES as readonly string[]).includes(r.status)) ? ACTIVE_POLL_MS : IDLE_POLL_MS;
}

/**
 * A pipeline's Runs tab: the server's page first, then GET /api/v1/pipelines/{id}/runs again
 * while the tab shows, so a run started anywhere (API, webhook, schedule) appears and its status
 * moves without a reload. There is no stream of a pipeline's runs, only of one run's events.
 */
export function LivePipelineRuns({
  pipelineId,
  pipelineName,
  initial,
}: {
  pipelineId: string;
  pipelineName: string;
  initial: RunPageJson;
}) {
  const { page, perPage } = initial;
  const { data } = useQuery({
    queryKey: ["pipeline-runs", pipelineId, page, perPage],
    queryFn: async (): Promise<RunPageJson> => {
      const res = await fetch(`/api/v1/pipelines/${encodeURIComponent(pipelineId)}/runs?page=${page}&perPage=${perPage}`, {
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error(`GET runs: HTTP ${res.status}`);
      return res.json();
    },
    initialData: initial,
    refetchInterval: (q) => pollInterval(q.state.data),
  });
  const runs = data ?? initial;
  if (runs.total === 0)
    return (
      <EmptyState icon={PlayCircle} title="No runs yet">
        Start one with the Run button; its stages and live logs open right away.
      </EmptyState>
    );
  return (
    <>
      <RunsTable runs={runRows(runs.items)} label={`Runs of ${pipelineName}`} />
      <div className="border-t">
        <Pagination
          page={runs.page}
          perPage={runs.perPage}
          total={runs.total}
          href={(p) => `/pipelines/${pipelineId}?tab=runs&page=${p}`}
          label="Runs pages"
        />
      </div>
    </>
  );
}
