import type { Db } from "../db/client";
import { getPipeline } from "../pipelines/pipelines";
import { createPendingRun, createRun, type CreateRunInput } from "./create-run";

/**
 * A new run (manual, API, schedule or webhook) of the pipeline's current version. A pipeline kept
 * in its repository gets a run queued without task runs: the operator reads its file at the
 * event's commit, else at the branch head, before the first task (server/runs/pending-runs.ts),
 * so the caller (a webhook delivery) never waits for git. An explicit `version` is run as it is.
 */
export async function startRun(
  db: Db,
  pipelineId: string,
  input: CreateRunInput,
): Promise<{ id: string; number: number; status: "queued" }> {
  if (input.version !== undefined) return createRun(db, pipelineId, input);
  const p = await getPipeline(db, pipelineId);
  if (!p.spec.source) return createRun(db, pipelineId, input);
  // The stored spec's priority: the file is read later, after the run has its place in the queue.
  return createPendingRun(db, pipelineId, {
    ...input,
    priority: input.priority ?? p.spec.priority,
    version: p.version,
    message: `reading ${p.spec.source.path} before the first task`,
  });
}
