import { and, asc, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { FieldError } from "@/lib/pipeline-spec";
import type { Db, DbOrTx } from "../db/client";
import { affectedRows } from "../db/result";
import { runs, taskRuns } from "../db/schema";
import { syncPipelineFile, type FileEvent } from "../pipelines/pipeline-file";
import { openRunParams } from "../secrets/run-secrets";
import { planRun } from "./create-run";
import { bumpRev, transitionRun } from "./state";

/**
 * Runs of pipelines kept in their repository wait here for their file (server/runs/start-run.ts):
 * the operator claims one, reads the file at the event's commit or the branch head (saved as a
 * new version when it changed), then gives the run its task runs, or fails it before any task
 * with the file's problems. The claim is a lease: an operator that died while reading is taken
 * over once it lapses, and the same operator (its id is stable) takes its own back after a restart.
 */

/** A fetch gives up after 60 s: a claim older than this belongs to an operator that is gone. */
export const RESOLVE_LEASE_MS = 120_000;

/** Runs waiting for their file, oldest first. */
export async function listPendingRuns(db: DbOrTx, limit = 20): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.status, "queued"), isNotNull(runs.pendingStart)))
    .orderBy(asc(runs.createdAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Takes the run for `operatorId` unless another operator's lease on it is still good. */
export async function claimPendingRun(db: DbOrTx, runId: string, operatorId: string, now = new Date()): Promise<boolean> {
  const r = await db
    .update(runs)
    .set({ resolvingBy: operatorId, resolvingAt: now })
    .where(
      and(
        eq(runs.id, runId),
        eq(runs.status, "queued"),
        isNotNull(runs.pendingStart),
        or(isNull(runs.resolvingBy), eq(runs.resolvingBy, operatorId), lt(runs.resolvingAt, new Date(now.getTime() - RESOLVE_LEASE_MS))),
      ),
    );
  return affectedRows(r) === 1;
}

export type ResolveOutcome = "resolved" | "failed" | "skipped";

/**
 * Reads the run's pipeline file and makes its task runs, or fails it; "skipped" when another
 * operator holds it, or it was cancelled or resolved meanwhile (nothing is written then).
 * Database errors are thrown: the run stays claimed by this operator, which tries again.
 */
export async function resolvePendingRun(db: Db, runId: string, operatorId: string): Promise<ResolveOutcome> {
  if (!(await claimPendingRun(db, runId, operatorId))) return "skipped";
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  const pending = run?.pendingStart;
  if (!pending) return "skipped";
  const params = openRunParams(pending.params);
  const event = run.event as FileEvent | null;
  const sync = await syncPipelineFile(db, run.pipelineId, { event, params });
  let outcome:
    { ok: true; planned: Awaited<ReturnType<typeof planRun>> } | { ok: false; version: number; message: string; errors: FieldError[] };
  if (sync && !sync.ok) outcome = { ok: false, version: sync.version, message: sync.message, errors: sync.errors };
  else {
    const input = {
      params,
      version: sync?.version,
      trigger: run.trigger,
      ref: run.ref,
      scheduleId: run.scheduleId,
      event: run.event,
      userId: run.createdBy,
      env: pending.env,
      files: pending.files,
    };
    try {
      outcome = { ok: true, planned: await planRun(db, run.pipelineId, run.id, input) };
    } catch (e) {
      // What a direct start would have refused (an unknown template, a param git would take as an option).
      if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
      const errors = (e.details as { errors?: FieldError[] } | undefined)?.errors ?? [];
      outcome = { ok: false, version: sync?.version ?? run.version, message: `the run cannot start: ${e.message}`, errors };
    }
  }
  return db.transaction(async (tx) => {
    const [now] = await tx.select().from(runs).where(eq(runs.id, runId)).for("update");
    // Cancelled while the file was read, or another operator got there first.
    if (!now || now.status !== "queued" || !now.pendingStart) return "skipped";
    const done = { pendingStart: null, resolvingBy: null, resolvingAt: null };
    if (!outcome.ok) {
      await tx
        .update(runs)
        .set({ ...done, version: outcome.version, errors: outcome.errors.slice(0, 100) })
        .where(eq(runs.id, runId));
      await transitionRun(tx, now, "failed", outcome.message);
      return "failed";
    }
    const p = outcome.planned;
    await tx
      .update(runs)
      .set({ ...done, version: p.version, params: p.params, secretNames: p.secretNames, message: null })
      .where(eq(runs.id, runId));
    await tx.insert(taskRuns).values(p.taskRows);
    await bumpRev(tx, runId);
    return "resolved";
  });
}
