import { and, count, desc, eq, inArray } from "drizzle-orm";
import type { RunStatus } from "@/lib/status";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, users } from "../db/schema";
import { runSummaryColumns, type RunSummary } from "./queries";

export interface RecentRun extends RunSummary {
  pipelineId: string;
  pipelineName: string;
}

/** Runs of every pipeline, newest first: the "Runs" page. Optionally only some statuses. */
export async function listRecentRuns(
  db: DbOrTx,
  opts: { page?: number; perPage?: number; statuses?: RunStatus[]; projectIds?: string[] | null; pipelineId?: string } = {},
): Promise<{ items: RecentRun[]; total: number; page: number; perPage: number }> {
  const page = Math.max(1, opts.page ?? 1);
  const perPage = Math.min(100, Math.max(1, opts.perPage ?? 25));
  if (opts.projectIds && opts.projectIds.length === 0) return { items: [], total: 0, page, perPage };
  const conds = [
    ...(opts.statuses?.length ? [inArray(runs.status, opts.statuses)] : []),
    ...(opts.projectIds ? [inArray(pipelines.projectId, opts.projectIds)] : []),
    ...(opts.pipelineId ? [eq(runs.pipelineId, opts.pipelineId)] : []),
  ];
  const where = conds.length ? and(...conds) : undefined;
  const [{ n }] = await db.select({ n: count() }).from(runs).innerJoin(pipelines, eq(pipelines.id, runs.pipelineId)).where(where);
  const items = await db
    .select({ ...runSummaryColumns, pipelineId: runs.pipelineId, pipelineName: pipelines.name })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, runs.createdBy))
    .where(where)
    .orderBy(desc(runs.createdAt), desc(runs.number))
    .limit(perPage)
    .offset((page - 1) * perPage);
  return { items, total: Number(n), page, perPage };
}
