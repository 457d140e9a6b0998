import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { runs, taskRuns, testCases } from "../db/schema";
import { TEST_STATUSES, type RunTests, type TestCounts, type TestHistory, type TestStatus } from "@/lib/test-reports";

/** The most cases one answer lists (the counts cover them all). */
export const MAX_LISTED_CASES = 5000;
/** The most tests a history lists. */
export const MAX_HISTORY_TESTS = 50;

/** Failed first: what a reader of a red run looks for. */
const statusOrder = sql`CASE ${testCases.status} WHEN 'failed' THEN 0 WHEN 'error' THEN 1 WHEN 'skipped' THEN 2 ELSE 3 END`;

export async function runTests(db: DbOrTx, runId: string, filter: { status?: TestStatus }): Promise<RunTests> {
  const grouped = await db
    .select({ status: testCases.status, n: sql<number>`COUNT(*)`.mapWith(Number) })
    .from(testCases)
    .where(eq(testCases.runId, runId))
    .groupBy(testCases.status);
  const counts: TestCounts = { total: 0, passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const g of grouped) {
    counts[g.status] += g.n;
    counts.total += g.n;
  }
  const rows = await db
    .select({
      key: testCases.testKey,
      suite: testCases.suite,
      classname: testCases.classname,
      name: testCases.name,
      status: testCases.status,
      durationMs: testCases.durationMs,
      failure: testCases.failure,
      task: taskRuns.name,
    })
    .from(testCases)
    .leftJoin(taskRuns, eq(taskRuns.id, testCases.taskRunId))
    .where(and(eq(testCases.runId, runId), filter.status ? eq(testCases.status, filter.status) : undefined))
    .orderBy(statusOrder, asc(testCases.suite), asc(testCases.classname), asc(testCases.name), asc(testCases.id))
    .limit(MAX_LISTED_CASES + 1);
  return { counts, cases: rows.slice(0, MAX_LISTED_CASES), truncated: rows.length > MAX_LISTED_CASES };
}

/** A test listed by several task runs of one run (a matrix) counts by its worst status there. */
const worse = (a: TestStatus | null, b: TestStatus): TestStatus =>
  a === null || TEST_STATUSES.indexOf(b) < TEST_STATUSES.indexOf(a) ? b : a;

/**
 * The pipeline's latest runs with test reports, and the tests that failed in them (or one test)
 * with their status in each: the analytics page's per-test history.
 */
export async function testHistory(db: DbOrTx, pipelineId: string, q: { runs: number; key?: string }): Promise<TestHistory> {
  const recent = await db
    .selectDistinct({ id: runs.id, number: runs.number, createdAt: runs.createdAt })
    .from(testCases)
    .innerJoin(runs, eq(runs.id, testCases.runId))
    .where(eq(testCases.pipelineId, pipelineId))
    .orderBy(desc(runs.number))
    .limit(q.runs);
  const runList = recent.reverse();
  if (runList.length === 0) return { runs: [], tests: [] };
  const runIds = runList.map((r) => r.id);
  const keys = q.key
    ? [q.key]
    : (
        await db
          .select({ key: testCases.testKey, n: sql<number>`COUNT(DISTINCT ${testCases.runId})`.mapWith(Number) })
          .from(testCases)
          .where(and(inArray(testCases.runId, runIds), inArray(testCases.status, ["failed", "error"])))
          .groupBy(testCases.testKey)
          .orderBy(desc(sql`COUNT(DISTINCT ${testCases.runId})`), asc(testCases.testKey))
          .limit(MAX_HISTORY_TESTS)
      ).map((r) => r.key);
  if (keys.length === 0) return { runs: runList.map(runJson), tests: [] };
  const rows = await db
    .select({
      runId: testCases.runId,
      key: testCases.testKey,
      suite: testCases.suite,
      classname: testCases.classname,
      name: testCases.name,
      status: testCases.status,
      failure: testCases.failure,
    })
    .from(testCases)
    .where(and(eq(testCases.pipelineId, pipelineId), inArray(testCases.runId, runIds), inArray(testCases.testKey, keys)));
  const at = new Map(runIds.map((id, i) => [id, i]));
  const tests = new Map<string, TestHistory["tests"][number] & { lastAt: number }>();
  for (const r of rows) {
    let t = tests.get(r.key);
    if (!t) {
      t = {
        key: r.key,
        suite: r.suite,
        classname: r.classname,
        name: r.name,
        failures: 0,
        statuses: runIds.map(() => null),
        lastFailure: null,
        lastAt: -1,
      };
      tests.set(r.key, t);
    }
    const i = at.get(r.runId) ?? 0;
    t.statuses[i] = worse(t.statuses[i], r.status);
    if ((r.status === "failed" || r.status === "error") && i >= t.lastAt) {
      t.lastAt = i;
      t.lastFailure = r.failure;
    }
  }
  const list = [...tests.values()].map(({ lastAt: _, ...t }) => ({
    ...t,
    failures: t.statuses.filter((s) => s === "failed" || s === "error").length,
  }));
  list.sort((a, b) => b.failures - a.failures || a.classname.localeCompare(b.classname) || a.name.localeCompare(b.name));
  return { runs: runList.map(runJson), tests: list };
}

const runJson = (r: { id: string; number: number; createdAt: Date }) => ({
  id: r.id,
  number: r.number,
  createdAt: r.createdAt.toISOString(),
});
