import { and, asc, desc, eq, gte, inArray } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, taskRuns } from "../db/schema";
import {
  DAY_MS,
  dailyBuckets,
  flakyTasks,
  slowestTasks,
  summarize,
  type DayBucket,
  type FlakyTask,
  type RunRow,
  type SlowTask,
  type Summary,
  type TaskRow,
} from "./maths";

/**
 * Run analytics over a window of days: per pipeline, per project or across all the pipelines a
 * user may see. Rows are fetched with two indexed queries (runs by creation time, their task
 * runs by run) and the maths runs in TypeScript over that bounded set: percentiles need the
 * values, and MariaDB's PERCENTILE_CONT has no MySQL 8 equivalent.
 */

export const FINAL = ["succeeded", "failed", "cancelled"] as const;
/** At most this many runs (newest first) feed one answer; beyond it the answer says `truncated`. */
export const MAX_RUNS = 5000;

export interface AnalyticsScope {
  pipelineId?: string;
  /** Project ids to include; null = every project (site admin), [] = none. */
  projectIds?: string[] | null;
}

export interface TaskStat {
  pipelineId: string;
  pipelineName: string;
}

export interface Analytics {
  days: number;
  from: string;
  to: string;
  summary: Summary;
  daily: DayBucket[];
  slowestTasks: (SlowTask & TaskStat)[];
  flakyTasks: (FlakyTask & TaskStat)[];
  /** More finished runs than MAX_RUNS in the window: the oldest were left out. */
  truncated: boolean;
}

export async function loadAnalytics(db: DbOrTx, scope: AnalyticsScope, days: number, now = Date.now()): Promise<Analytics> {
  const to = now;
  // Whole UTC days: the window starts at midnight `days - 1` days ago, so today is the last bucket.
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  const from = today - (days - 1) * DAY_MS;
  const empty = { days, from: new Date(from).toISOString(), to: new Date(to).toISOString(), truncated: false };
  if (scope.projectIds && scope.projectIds.length === 0 && !scope.pipelineId) {
    return { ...empty, summary: summarize([]), daily: dailyBuckets([], from, to), slowestTasks: [], flakyTasks: [] };
  }

  const where = and(
    gte(runs.createdAt, new Date(from)),
    inArray(runs.status, [...FINAL]),
    scope.pipelineId ? eq(runs.pipelineId, scope.pipelineId) : undefined,
    scope.projectIds ? inArray(pipelines.projectId, scope.projectIds) : undefined,
  );
  const rows = await db
    .select({
      id: runs.id,
      pipelineId: runs.pipelineId,
      pipelineName: pipelines.name,
      version: runs.version,
      status: runs.status,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(where)
    .orderBy(desc(runs.createdAt))
    .limit(MAX_RUNS + 1);
  const truncated = rows.length > MAX_RUNS;
  const kept = rows.slice(0, MAX_RUNS);
  const ms = (d: Date | null) => (d ? d.getTime() : null);
  const runRows: RunRow[] = kept.map((r) => ({
    ...r,
    createdAt: r.createdAt.getTime(),
    startedAt: ms(r.startedAt),
    finishedAt: ms(r.finishedAt),
  }));
  const names = new Map(kept.map((r) => [r.pipelineId, r.pipelineName]));

  const byRun = new Map(runRows.map((r) => [r.id, r]));
  const taskRows: TaskRow[] = [];
  // In slices, so that the IN list stays a reasonable size.
  for (let i = 0; i < runRows.length; i += 500) {
    const ids = runRows.slice(i, i + 500).map((r) => r.id);
    const trs = await db
      .select({
        runId: taskRuns.runId,
        stageName: taskRuns.stageName,
        name: taskRuns.name,
        status: taskRuns.status,
        attempt: taskRuns.attempt,
        startedAt: taskRuns.startedAt,
        finishedAt: taskRuns.finishedAt,
      })
      .from(taskRuns)
      .where(inArray(taskRuns.runId, ids))
      .orderBy(asc(taskRuns.runId));
    for (const t of trs) {
      const run = byRun.get(t.runId);
      if (!run) continue; // never: these task runs were selected by their runs' ids
      taskRows.push({
        ...t,
        pipelineId: run.pipelineId,
        version: run.version,
        startedAt: ms(t.startedAt),
        finishedAt: ms(t.finishedAt),
        runCreatedAt: run.createdAt,
      });
    }
  }
  const named = <T extends { pipelineId: string }>(xs: T[]) => xs.map((x) => ({ ...x, pipelineName: names.get(x.pipelineId) ?? "" }));
  return {
    ...empty,
    truncated,
    summary: summarize(runRows),
    daily: dailyBuckets(runRows, from, to),
    slowestTasks: named(slowestTasks(taskRows)),
    flakyTasks: named(flakyTasks(taskRows)),
  };
}
