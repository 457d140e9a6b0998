import { and, eq, inArray, sql } from "drizzle-orm";
import { canTransition, isFinal, type RunStatus } from "@/lib/status";
import { AppError } from "@/lib/errors";
import { enqueueRunNotifications } from "../notifications/outbox";
import type { DbOrTx } from "../db/client";
import { runs, taskRuns, type RunRow, type TaskRunRow } from "../db/schema";
import { openGate, settleGates } from "../approvals/gate";

/**
 * The one place where run and task-run statuses change (STYLE.md #6). Every change bumps the
 * run's `rev`, which the SSE watchers poll.
 */

export interface TaskPatch {
  message?: string | null;
  exitCode?: number | null;
  attempt?: number;
  claimedBy?: string | null;
  executorRef?: string | null;
}

export async function transitionTaskRun(db: DbOrTx, tr: Pick<TaskRunRow, "id" | "runId" | "status">, to: RunStatus, patch: TaskPatch = {}) {
  if (!canTransition(tr.status, to)) {
    throw new AppError("conflict", `task run ${tr.id} cannot go from ${tr.status} to ${to}`);
  }
  const now = new Date();
  const r = await db
    .update(taskRuns)
    .set({
      status: to,
      ...patch,
      message: patch.message === undefined ? undefined : patch.message?.slice(0, 1000) ?? null,
      ...(to === "running" && tr.status === "queued" ? { startedAt: now } : {}),
      ...(isFinal(to) ? { finishedAt: now } : {}),
      updatedAt: now,
    })
    // Guard on the status we read, so that two writers can't both win.
    .where(and(eq(taskRuns.id, tr.id), eq(taskRuns.status, tr.status)));
  const changed = affected(r) === 1;
  if (changed) await bumpRev(db, tr.runId);
  return changed;
}

export async function transitionRun(db: DbOrTx, run: Pick<RunRow, "id" | "status">, to: RunStatus, message?: string | null) {
  if (!canTransition(run.status, to)) throw new AppError("conflict", `run ${run.id} cannot go from ${run.status} to ${to}`);
  const now = new Date();
  const r = await db
    .update(runs)
    .set({
      status: to,
      rev: sql`${runs.rev} + 1`,
      ...(message !== undefined ? { message: message?.slice(0, 1000) ?? null } : {}),
      ...(to === "running" && run.status === "queued" ? { startedAt: now } : {}),
      ...(isFinal(to) ? { finishedAt: now } : {}),
    })
    .where(and(eq(runs.id, run.id), eq(runs.status, run.status)));
  const changed = affected(r) === 1;
  // In the same transaction as the change: the notification cannot be lost or invented.
  if (changed) await enqueueRunNotifications(db, run.id, to);
  return changed;
}

export async function bumpRev(db: DbOrTx, runId: string) {
  await db.update(runs).set({ rev: sql`${runs.rev} + 1` }).where(eq(runs.id, runId));
}

export function affected(r: unknown): number {
  const h = Array.isArray(r) ? r[0] : r;
  return Number((h as { affectedRows?: number })?.affectedRows ?? 0);
}

/**
 * Decides what happens next for one run, from its current rows (level-based: calling it twice
 * changes nothing). Call with the run row locked. Returns the task runs that may start now.
 */
export async function advanceRun(tx: DbOrTx, run: RunRow): Promise<TaskRunRow[]> {
  if (isFinal(run.status)) return [];
  let trs = await tx.select().from(taskRuns).where(eq(taskRuns.runId, run.id));
  trs.sort((a, b) => a.stageIndex - b.stageIndex || a.taskIndex - b.taskIndex);
  // Approval gates are decided here, from their decisions and deadline: no process runs them.
  if (!run.cancelRequested) trs = await settleGates(tx, trs);
  const active = trs.filter((t) => t.status === "running" || t.status === "waiting");

  const skipQueued = async (message: string) => {
    const queued = trs.filter((t) => t.status === "queued").map((t) => t.id);
    if (queued.length) {
      await tx
        .update(taskRuns)
        .set({ status: "skipped", message, finishedAt: new Date(), updatedAt: new Date() })
        .where(and(inArray(taskRuns.id, queued), eq(taskRuns.status, "queued")));
      await bumpRev(tx, run.id);
    }
  };

  if (run.cancelRequested) {
    await skipQueued("skipped: the run was cancelled");
    if (active.length === 0) await transitionRun(tx, run, "cancelled", run.message ?? "cancelled");
    return [];
  }

  // Gates still waiting beside a failure would hold the run for nothing: they are skipped too.
  const skipWaitingGates = async (message: string) => {
    let left = 0;
    for (const t of active) {
      if (t.status === "waiting" && t.plan.gate) await transitionTaskRun(tx, t, "skipped", { message });
      else left++;
    }
    return left;
  };

  const broken = trs.find((t) => t.status === "failed" || t.status === "cancelled");
  if (broken) {
    await skipQueued(`skipped: task '${broken.name}' ${broken.status}`);
    if ((await skipWaitingGates(`skipped: task '${broken.name}' ${broken.status}`)) === 0) {
      await transitionRun(tx, run, "failed", `task '${broken.name}' ${broken.status}${broken.message ? `: ${broken.message}` : ""}`);
    }
    return [];
  }

  // A gate that timed out with `onTimeout: skip` skips the rest of the run, which then ends
  // without failing. (Gates skipped for other reasons never started waiting: no startedAt.)
  const skippedGate = trs.find((t) => t.plan.gate && t.status === "skipped" && t.startedAt && t.finishedAt);
  if (skippedGate) {
    await skipQueued(`skipped: approval gate '${skippedGate.name}' timed out`);
    if ((await skipWaitingGates(`skipped: approval gate '${skippedGate.name}' timed out`)) === 0) {
      if (run.status === "queued" && (await transitionRun(tx, run, "running"))) run = { ...run, status: "running" };
      await transitionRun(tx, run, "succeeded", `approval gate '${skippedGate.name}' timed out: the rest of the run was skipped`);
    }
    return [];
  }

  const stages = new Map<number, TaskRunRow[]>();
  for (const t of trs) stages.set(t.stageIndex, [...(stages.get(t.stageIndex) ?? []), t]);
  for (const [, tasks] of [...stages.entries()].sort((a, b) => a[0] - b[0])) {
    if (tasks.every((t) => isFinal(t.status))) continue;
    if (run.status === "queued") {
      await transitionRun(tx, run, "running");
      run = { ...run, status: "running" };
    }
    const parallel = tasks[0].stageMode === "parallel";
    const next = tasks.find((t) => !isFinal(t.status))!;
    let ready = parallel ? tasks.filter((t) => t.status === "queued") : next.status === "queued" ? [next] : [];
    // Gates are not claimed by an operator: they start waiting here.
    let opened = 0;
    for (const g of ready.filter((t) => t.plan.gate)) if (await openGate(tx, g)) opened++;
    ready = ready.filter((t) => !t.plan.gate);
    // The run is `waiting` while nothing but gates is left to happen in it.
    const busy = ready.length > 0 || tasks.some((t) => t.status === "running");
    const gated = opened > 0 || tasks.some((t) => t.status === "waiting");
    if (gated && !busy && run.status === "running") await transitionRun(tx, run, "waiting");
    else if (run.status === "waiting" && (busy || !gated)) await transitionRun(tx, run, "running");
    return ready;
  }
  // Every stage is done. (A run still `queued` here had nothing to run; it passes through
  // `running` because queued → succeeded is not an allowed transition.)
  if (run.status === "queued" && (await transitionRun(tx, run, "running"))) run = { ...run, status: "running" };
  await transitionRun(tx, run, "succeeded", null);
  return [];
}

/** The task's own status, as users read it: "exit code 2", "timed out after 600s". */
export function exitMessage(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === 0) return "";
  // The two codes a shell uses for "could not run it" deserve words, not just a number.
  if (code === 127) return "exit code 127 (command not found)";
  if (code === 126) return "exit code 126 (command not executable)";
  return `exit code ${code}`;
}
