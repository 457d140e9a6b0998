import type { Logger } from "pino";
import type { Db } from "@/server/db/client";
import { operatorMetrics } from "@/server/metrics/operator";
import { pipelineMetricLabels, runTimes, taskQueuedSince } from "@/server/metrics/operator-queries";
import { parseTaskMetrics } from "@/server/metrics/task-metrics";
import type { ClaimedTask } from "@/server/runs/operator-queries";
import type { Executor, LogSink } from "./executors/types";

/** An executor that gives tasks GANTRY_METRICS_FILE and hands its content back after the task. */
export interface CollectsTaskMetrics {
  /** The file's text (and removes it), or null when the task wrote none. */
  collectMetrics(task: { runId: string; taskRunId: string }): Promise<string | null>;
}
const collects = (e: Executor): e is Executor & CollectsTaskMetrics =>
  typeof (e as Partial<CollectsTaskMetrics>).collectMetrics === "function";

/**
 * What the scheduler reports about the task runs it runs: started/finished counters, duration
 * and queue-time histograms, and the task's own pushed metrics (GANTRY_METRICS_FILE and metrics
 * blocks in its output). Metrics
 * never get in the way of a task: every lookup here is best-effort.
 */

const names = new Map<string, { labels: { project: string; pipeline: string }; at: number }>();

/** The pipeline's project slug and name, cached for a minute (renames are rare). */
async function pipelineLabels(db: Db, pipelineId: string): Promise<{ project: string; pipeline: string }> {
  const hit = names.get(pipelineId);
  if (hit && Date.now() - hit.at < 60_000) return hit.labels;
  const labels = (await pipelineMetricLabels(db, pipelineId)) ?? { project: "", pipeline: pipelineId };
  if (names.size > 10_000) names.clear();
  names.set(pipelineId, { labels, at: Date.now() });
  return labels;
}

/** Seconds from when the task could first start (run created, or the run's previous task ended) to its start. */
async function queueSeconds(db: Db, runId: string, startedAt: Date): Promise<number | null> {
  const since = await taskQueuedSince(db, runId, startedAt);
  return since === null ? null : Math.max(0, (startedAt.getTime() - since.getTime()) / 1000);
}

export interface TaskMetrics {
  /**
   * Reads the task's pushed metrics, its metrics file (if the executor gives one) after the
   * metrics blocks of its output (`blocks`, from MetricsBlocks), parses them together under one
   * set of limits, masks secret values as in the log, and keeps them with the run's labels.
   */
  collectPushed(sink: Pick<LogSink, "system">, blocks: string | null, mask: (text: string) => string): Promise<void>;
  finished(status: string): void;
  /** Counts the build cache look-up a task reports in its result `cache` (`hit` or `miss`: templates/*-build.yaml). */
  cache(template: string, results: Record<string, string> | undefined): void;
}

export function trackTask(db: Db, executor: Executor, claimed: ClaimedTask, log: Logger, opts: { resumed: boolean }): TaskMetrics {
  const m = operatorMetrics();
  const { taskRun: tr, run } = claimed;
  const t0 = tr.startedAt?.getTime() ?? Date.now();
  const labels = pipelineLabels(db, run.pipelineId).catch((e) => {
    log.debug({ err: (e as Error).message }, "metrics: no pipeline name");
    return { project: "", pipeline: run.pipelineId };
  });
  m.tasksRunning.inc();
  void labels.then(async (l) => {
    m.taskRunsStarted.inc(l);
    if (opts.resumed || !tr.startedAt) return;
    const q = await queueSeconds(db, run.id, tr.startedAt).catch(() => null);
    if (q !== null) m.taskQueue.observe(l, q);
  });
  return {
    async collectPushed(sink, blocks, mask) {
      try {
        const file = collects(executor) ? await executor.collectMetrics({ runId: run.id, taskRunId: tr.id }) : null;
        if (file === null && blocks === null) return;
        // The file last: it is read after the task, so its lines are the latest (the last of a series wins).
        const text = mask((blocks ?? "") + (file ?? ""));
        const parsed = parseTaskMetrics(text);
        const source = file === null ? "metrics block" : blocks === null ? "metrics file" : "metrics blocks and file";
        if (parsed.skipped) m.taskMetricsRejected.inc(parsed.skipped);
        if (parsed.problems.length) sink.system(`${source}: ${parsed.skipped} line(s) skipped (${parsed.problems.join("; ")})`);
        m.taskMetrics.add({ ...(await labels), run: String(run.number), task: tr.name }, parsed);
      } catch (e) {
        log.warn({ err: (e as Error).message }, "could not read the task's pushed metrics");
      }
    },
    cache(template, results) {
      const result = results?.cache;
      if (result !== "hit" && result !== "miss") return;
      void labels.then((l) => m.taskCache.inc({ ...l, template, result }));
    },
    finished(status) {
      m.tasksRunning.dec();
      void labels.then((l) => {
        m.taskRunsFinished.inc({ ...l, status });
        m.taskDuration.observe({ ...l, status }, Math.max(0, (Date.now() - t0) / 1000));
      });
    },
  };
}

/** A run just got its final status from this operator: count it, with its duration and queue time. */
export async function runFinished(db: Db, runId: string, log: Logger): Promise<void> {
  try {
    const r = await runTimes(db, runId);
    if (!r) return;
    const m = operatorMetrics();
    const { project, pipeline } = await pipelineLabels(db, r.pipelineId);
    const end = (r.finishedAt ?? new Date()).getTime();
    m.runsFinished.inc({ project, pipeline, status: r.status });
    m.runDuration.observe({ project, pipeline, status: r.status }, Math.max(0, (end - (r.startedAt ?? r.createdAt).getTime()) / 1000));
    if (r.startedAt) m.runQueue.observe({ project, pipeline }, Math.max(0, (r.startedAt.getTime() - r.createdAt.getTime()) / 1000));
  } catch (e) {
    log.debug({ err: (e as Error).message, runId }, "metrics: could not read the finished run");
  }
}
