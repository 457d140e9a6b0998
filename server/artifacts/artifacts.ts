import { randomUUID } from "node:crypto";
import { and, asc, desc, eq } from "drizzle-orm";
import { AppError, notFound } from "@/lib/errors";
import type { Db, DbOrTx } from "../db/client";
import { artifacts, pipelines, projects, runs, taskRuns } from "../db/schema";
import type { ArtifactOwner } from "./keys";

/** The `artifacts` rows of runs: what was uploaded, and where it lies in the store. */

export interface ArtifactView {
  id: string;
  name: string;
  size: number;
  contentType: string | null;
  sha256: string | null;
  taskRunId: string | null;
  /** The name of the task run that uploaded it (null once that is gone). */
  task: string | null;
  storageKey: string;
  createdAt: Date;
}

/** The run's project slug, pipeline id and number: the start of its objects' keys. */
export async function artifactOwner(db: DbOrTx, runId: string): Promise<ArtifactOwner> {
  const [r] = await db
    .select({ projectSlug: projects.slug, pipelineId: runs.pipelineId, runNumber: runs.number })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(runs.id, runId));
  if (!r) throw notFound("run", runId);
  return r;
}

/**
 * The task run a valid upload token names may upload to `runId` only while it runs and only into
 * its own run: a token copied from one task's log or environment opens nothing else.
 */
export async function checkUploader(db: DbOrTx, runId: string, taskRunId: string): Promise<void> {
  const [tr] = await db.select({ runId: taskRuns.runId, status: taskRuns.status }).from(taskRuns).where(eq(taskRuns.id, taskRunId));
  if (!tr || tr.runId !== runId) throw new AppError("forbidden", "this upload token belongs to a task of another run");
  if (tr.status !== "running") throw new AppError("forbidden", `the task run that holds this upload token is ${tr.status}, not running`);
}

/** Records an upload; one of the same name in the same run is replaced (its object was overwritten). */
export async function recordArtifact(
  db: Db,
  a: { runId: string; taskRunId: string; name: string; size: number; contentType: string | null; sha256: string; storageKey: string },
): Promise<ArtifactView> {
  const id = randomUUID();
  await db.transaction(async (tx) => {
    await tx.delete(artifacts).where(and(eq(artifacts.runId, a.runId), eq(artifacts.name, a.name)));
    await tx.insert(artifacts).values({ id, ...a });
  });
  const row = await getArtifact(db, a.runId, a.name);
  return row;
}

const columns = {
  id: artifacts.id,
  name: artifacts.name,
  size: artifacts.size,
  contentType: artifacts.contentType,
  sha256: artifacts.sha256,
  taskRunId: artifacts.taskRunId,
  task: taskRuns.name,
  storageKey: artifacts.storageKey,
  createdAt: artifacts.createdAt,
};

export async function listArtifacts(db: DbOrTx, runId: string): Promise<ArtifactView[]> {
  return db
    .select(columns)
    .from(artifacts)
    .leftJoin(taskRuns, eq(taskRuns.id, artifacts.taskRunId))
    .where(eq(artifacts.runId, runId))
    .orderBy(asc(artifacts.name), desc(artifacts.createdAt));
}

export async function getArtifact(db: DbOrTx, runId: string, name: string): Promise<ArtifactView> {
  const [row] = await db
    .select(columns)
    .from(artifacts)
    .leftJoin(taskRuns, eq(taskRuns.id, artifacts.taskRunId))
    .where(and(eq(artifacts.runId, runId), eq(artifacts.name, name)))
    .orderBy(desc(artifacts.createdAt))
    .limit(1);
  if (!row) throw notFound("artifact", name);
  return row;
}
