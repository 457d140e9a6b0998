import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { testCases } from "../db/schema";
import { parseJUnit, testKey, type ParsedTestCase } from "./junit";

/**
 * A task run's JUnit reports → its rows of `test_cases`, called by the operator when the task run
 * ends. Reading is forgiving: a file that is not a JUnit report is named with the reason (shown in
 * the task's log) and the others still count; the task's status is never changed by its reports.
 */

/** The most test cases kept per task run: a suite that large is read, the rest counted and told. */
export const MAX_CASES_PER_TASK = 20_000;
const INSERT_BATCH = 500;

export interface ReportFile {
  /** The path the task wrote, relative to the workspace. */
  name: string;
  content: string;
}

export interface ReadReports {
  cases: ParsedTestCase[];
  /** How many files were JUnit reports. */
  read: number;
  /** One line per file that could not be read, or per limit that cut something. */
  problems: string[];
}

export function readReports(files: readonly ReportFile[]): ReadReports {
  const cases: ParsedTestCase[] = [];
  const problems: string[] = [];
  let dropped = 0;
  let read = 0;
  for (const f of files) {
    const r = parseJUnit(f.content);
    if (!r.ok) {
      problems.push(`test report ${f.name}: ${r.problem}`);
      continue;
    }
    read++;
    const room = MAX_CASES_PER_TASK - cases.length;
    cases.push(...r.cases.slice(0, Math.max(0, room)));
    dropped += Math.max(0, r.cases.length - room);
  }
  if (dropped) problems.push(`test reports: ${dropped} more test case(s) past the ${MAX_CASES_PER_TASK} a task may report were not kept`);
  return { cases, read, problems };
}

/** The task run's cases, replacing any it had (an operator that restarted stores them again). */
export async function storeTestCases(
  db: Db,
  at: { runId: string; taskRunId: string; pipelineId: string },
  cases: readonly ParsedTestCase[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(testCases).where(eq(testCases.taskRunId, at.taskRunId));
    for (let i = 0; i < cases.length; i += INSERT_BATCH)
      await tx.insert(testCases).values(
        cases.slice(i, i + INSERT_BATCH).map((c) => ({
          ...at,
          suite: c.suite,
          classname: c.classname,
          name: c.name,
          testKey: testKey(c.classname, c.name),
          status: c.status,
          durationMs: c.durationMs,
          failure: c.failure,
        })),
      );
  });
}

/** "12 tests: 9 passed, 2 failed, 1 skipped", for the task's log. */
export function summaryLine(cases: readonly ParsedTestCase[], files: number): string {
  const n = (s: ParsedTestCase["status"]) => cases.filter((c) => c.status === s).length;
  const parts = (["passed", "failed", "error", "skipped"] as const).filter((s) => n(s)).map((s) => `${n(s)} ${s}`);
  return `test reports: ${cases.length} test${cases.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}
