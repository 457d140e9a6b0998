import type { Db } from "../db/client";
import { audit } from "../audit/audit";
import { requirePipeline, requireRun, type Actor } from "../authz/authz";
import { cancelRun } from "./cancel-run";
import { createRun } from "./create-run";
import { rerunRun, type RerunMode } from "./rerun";

/** Starting and cancelling runs as a user: permission check, the change, the audit record. */

export async function startRunAs(
  db: Db,
  actor: Actor,
  pipelineId: string,
  input: { params?: Record<string, unknown>; version?: number; trigger: string; ref?: string },
) {
  const access = await requirePipeline(db, actor, pipelineId, "run.start");
  const run = await createRun(db, pipelineId, { ...input, userId: actor.id });
  await audit(db, actor, {
    action: "run.start",
    targetType: "run",
    targetId: run.id,
    targetName: `#${run.number}`,
    projectId: access.projectId,
    // Param names only: values may be secret.
    details: {
      pipelineId,
      number: run.number,
      version: input.version ?? null,
      trigger: input.trigger,
      params: Object.keys(input.params ?? {}),
      ...(input.ref ? { ref: input.ref } : {}),
    },
  });
  return run;
}

export async function cancelRunAs(db: Db, actor: Actor, runId: string) {
  const access = await requireRun(db, actor, runId, "run.cancel");
  const r = await cancelRun(db, runId, actor.username);
  await audit(db, actor, { action: "run.cancel", targetType: "run", targetId: runId, projectId: access.projectId });
  return r;
}

/** Re-runs a run (all of it, its failures, or from a stage) as a user: needs run.start. */
export async function rerunAs(db: Db, actor: Actor, runId: string, input: { mode: RerunMode; stage?: string }) {
  const access = await requireRun(db, actor, runId, "run.start");
  const run = await rerunRun(db, runId, { ...input, userId: actor.id });
  await audit(db, actor, {
    action: "run.rerun",
    targetType: "run",
    targetId: run.id,
    targetName: `#${run.number}`,
    projectId: access.projectId,
    details: { rerunOf: runId, mode: input.mode, ...(input.stage ? { stage: input.stage } : {}), pipelineId: run.pipelineId },
  });
  return { id: run.id, number: run.number, status: run.status, rerunOf: run.rerunOf };
}
