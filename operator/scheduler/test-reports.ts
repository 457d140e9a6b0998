import type { Db } from "@/server/db/client";
import type { ClaimedTask } from "@/server/runs/operator-queries";
import { readReports, storeTestCases, summaryLine } from "@/server/reports/save";
import type { CollectedReports } from "../executors/reports";
import type { LogSink } from "../executors/types";
import { retryUntilDone } from "./backoff";

/**
 * A task run's test reports, when it has ended: parsed and stored (server/reports), with what
 * was read and what was not said in its log. The reports never change the task's status.
 */
export async function recordTestReports(
  db: Db,
  claimed: ClaimedTask,
  collected: CollectedReports,
  log: Pick<LogSink, "system">,
  mask: (s: string) => string,
  onRetry: (e: unknown, failures: number, wait: number) => void,
): Promise<void> {
  const globs = claimed.taskRun.plan.reports?.junit ?? [];
  for (const p of collected.problems) log.system(p);
  const { cases, read, problems } = readReports(collected.files);
  for (const p of problems) log.system(p);
  if (collected.files.length === 0) log.system(`test reports: no file matched ${globs.join(", ")}`);
  else log.system(summaryLine(cases, read));
  // Stored like the log is shown: a secret a test printed in its failure is masked.
  const masked = cases.map((c) => ({ ...c, classname: mask(c.classname), name: mask(c.name), failure: c.failure && mask(c.failure) }));
  const at = { runId: claimed.run.id, taskRunId: claimed.taskRun.id, pipelineId: claimed.run.pipelineId };
  await retryUntilDone(() => storeTestCases(db, at, masked), onRetry);
}
