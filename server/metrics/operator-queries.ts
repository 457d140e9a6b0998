import { and, desc, eq, isNotNull, lte } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { pipelines, projects, runs, taskRuns } from "../db/schema";

/** What the operator's metrics (operator/metrics.ts) read about runs and their pipelines. */

/** The pipeline's project slug and name, the labels of its metrics; null when it is gone. */
export async function pipelineMetricLabels(db: DbOrTx, pipelineId: string): Promise<{ project: string; pipeline: string } | null> {
  const [r] = await db
    .select({ project: projects.slug, pipeline: pipelines.name })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(pipelines.id, pipelineId));
  return r ?? null;
}

/**
 * When a task that started at `startedAt` could first have started: its run's creation, or the
 * end of the run's task that finished last before it. Null when the run is gone.
 */
export async function taskQueuedSince(db: DbOrTx, runId: string, startedAt: Date): Promise<Date | null> {
  const [run] = await db.select({ createdAt: runs.createdAt }).from(runs).where(eq(runs.id, runId));
  if (!run) return null;
  const [prev] = await db
    .select({ finishedAt: taskRuns.finishedAt })
    .from(taskRuns)
    .where(and(eq(taskRuns.runId, runId), isNotNull(taskRuns.finishedAt), lte(taskRuns.finishedAt, startedAt)))
    .orderBy(desc(taskRuns.finishedAt))
    .limit(1);
  return new Date(Math.max(run.createdAt.getTime(), prev?.finishedAt?.getTime() ?? 0));
}

/** A run's outcome and times, as its metrics count them. */
export async function runTimes(db: DbOrTx, runId: string) {
  const [r] = await db
    .select({
      status: runs.status,
      pipelineId: runs.pipelineId,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
    })
    .from(runs)
    .where(eq(runs.id, runId));
  return r ?? null;
}
