import type { Db } from "../db/client";
import { syncPipelineFile, type FileEvent } from "../pipelines/pipeline-file";
import { createFailedRun, createRun, type CreateRunInput } from "./create-run";

/**
 * A new run (manual, API or webhook) of the pipeline's current version; for a pipeline kept in
 * its repository, of the version its file says at the event's commit or the pipeline's revision
 * (saved first when it changed). A file that cannot be read or does not validate gives a run that
 * failed before any task, with the file's problems. An explicit `version` is run as it is.
 */
export async function startRun(
  db: Db,
  pipelineId: string,
  input: CreateRunInput,
): Promise<{ id: string; number: number; status: "queued" | "failed" }> {
  if (input.version !== undefined) return createRun(db, pipelineId, input);
  const params = Object.fromEntries(Object.entries(input.params ?? {}).map(([k, v]) => [k, String(v)]));
  const sync = await syncPipelineFile(db, pipelineId, { event: input.event as FileEvent | null | undefined, params });
  if (!sync) return createRun(db, pipelineId, input);
  if (!sync.ok) return createFailedRun(db, pipelineId, { ...input, version: sync.version, message: sync.message, errors: sync.errors });
  return createRun(db, pipelineId, { ...input, version: sync.version });
}
