import { and, asc, desc, eq, gte, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, taskRuns, testCases } from "../db/schema";
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
  flakyTests: (FlakyTest & TaskStat)[];
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
    return { ...empty, summary: summarize([]), daily: dailyBuckets([], from, to), slowestTasks: [], flakyTasks: [], flakyTests: [] };
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
      sha: runSha,
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
        sha: run.sha,
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
    flakyTests: named(await flakyTests(db, [...names.keys()], new Date(from))),
  };
}

/** The commit a run built (its trigger event's), if any. */
const runSha = sql<string | null>`json_unquote(json_extract(${runs.event}, '$.sha'))`;

export interface FlakyTest {
  pipelineId: string;
  classname: string;
  name: string;
  /** Failures (and errors) on code on which the test also passed in the window. */
  flakyFailures: number;
  /** Distinct (version, commit) pairs on which it both failed and passed. */
  commits: number;
}

/**
 * Tests of the JUnit reports that failed and passed on unchanged code (the same pipeline version
 * and commit) in the window, most flaky failures first. Counted by the database: one grouped
 * query over the test cases' history index.
 */
export async function flakyTests(db: DbOrTx, pipelineIds: string[], from: Date, limit = 10): Promise<FlakyTest[]> {
  if (pipelineIds.length === 0) return [];
  const failed = sql<number>`sum(${testCases.status} in ('failed', 'error'))`;
  const passed = sql<number>`sum(${testCases.status} = 'passed')`;
  const groups = await db
    .select({
      pipelineId: testCases.pipelineId,
      testKey: testCases.testKey,
      classname: sql<string>`max(${testCases.classname})`,
      name: sql<string>`max(${testCases.name})`,
      failed,
      passed,
    })
    .from(testCases)
    .innerJoin(runs, eq(runs.id, testCases.runId))
    .where(and(inArray(testCases.pipelineId, pipelineIds), gte(testCases.createdAt, from)))
    .groupBy(testCases.pipelineId, testCases.testKey, runs.version, runSha)
    .having(and(sql`${failed} > 0`, sql`${passed} > 0`));
  const byTest = new Map<string, FlakyTest>();
  for (const g of groups) {
    const key = `${g.pipelineId} ${g.testKey}`;
    const t = byTest.get(key) ?? { pipelineId: g.pipelineId, classname: g.classname, name: g.name, flakyFailures: 0, commits: 0 };
    t.flakyFailures += Number(g.failed);
    t.commits += 1;
    byTest.set(key, t);
  }
  return [...byTest.values()].sort((a, b) => b.flakyFailures - a.flakyFailures || b.commits - a.commits).slice(0, limit);
}
