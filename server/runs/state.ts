import { and, eq, inArray, sql } from "drizzle-orm";
import { assertTransition, isFinal, type RunStatus } from "@/lib/status";
import { enqueueRunNotifications } from "../notifications/outbox";
import type { DbOrTx } from "../db/client";
import { affectedRows } from "../db/result";
import { runs, taskRuns, type RunRow, type TaskRunRow } from "../db/schema";
import { decisionsOf } from "../approvals/decisions";
import { decideGate } from "../approvals/gate";
import { decideDue } from "@/lib/expressions/due";
import { withMatrixOutcomes } from "@/lib/matrix";
import {
  brokenStageTask,
  FINALLY_CANCEL_GRACE_SECONDS,
  finalOutcome,
  finallyGraceOver,
  skippedGate,
  stagesOutcome,
} from "@/lib/run-outcome";

/**
 * The one place where run and task-run statuses change (STYLE.md #6): every change is checked
 * against the transitions in lib/status.ts, guarded on the status it was read in, and bumps the
 * run's `rev`, which the SSE watchers and the scheduler poll. Gates, cancels and timeouts decide
 * elsewhere (pure) and apply here; a unit test (status-writes.test.ts) keeps it the only writer.
 */

export interface TaskPatch {
  message?: string | null;
  exitCode?: number | null;
  attempt?: number;
  claimedBy?: string | null;
  executorRef?: string | null;
  /** What the task wrote to `$GANTRY_RESULTS`, recorded with its final status. */
  results?: Record<string, string> | null;
}

/** The columns a task run's status change sets: its times follow from where it goes. */
function taskRunChange(from: RunStatus, to: RunStatus, patch: TaskPatch, now: Date) {
  return {
    status: to,
    ...patch,
    message: patch.message === undefined ? undefined : (patch.message?.slice(0, 1000) ?? null),
    // A task starts running, or a gate starts waiting (its clock starts then).
    ...((to === "running" || to === "waiting") && from === "queued" ? { startedAt: now } : {}),
    ...(isFinal(to) ? { finishedAt: now } : {}),
    updatedAt: now,
  };
}

export async function transitionTaskRun(
  db: DbOrTx,
  tr: Pick<TaskRunRow, "id" | "runId" | "status">,
  to: RunStatus,
  patch: TaskPatch = {},
  now = new Date(),
) {
  assertTransition(`task run ${tr.id}`, tr.status, to);
  const r = await db
    .update(taskRuns)
    .set(taskRunChange(tr.status, to, patch, now))
    // Guard on the status we read, so that two writers can't both win.
    .where(and(eq(taskRuns.id, tr.id), eq(taskRuns.status, tr.status)));
  const changed = affectedRows(r) === 1;
  if (changed) await bumpRev(db, tr.runId);
  return changed;
}

/**
 * Moves several task runs of one run from `from` to `to` in one statement (those no longer in
 * `from` are left as they are); bumps the run's rev once. Returns how many changed.
 */
export async function transitionTaskRuns(
  db: DbOrTx,
  runId: string,
  ids: string[],
  from: RunStatus,
  to: RunStatus,
  patch: Pick<TaskPatch, "message"> = {},
  now = new Date(),
) {
  if (ids.length === 0) return 0;
  assertTransition(`task runs of run ${runId}`, from, to);
  const r = await db
    .update(taskRuns)
    .set(taskRunChange(from, to, patch, now))
    .where(and(inArray(taskRuns.id, ids), eq(taskRuns.runId, runId), eq(taskRuns.status, from)));
  const n = affectedRows(r);
  if (n > 0) await bumpRev(db, runId);
  return n;
}

export async function transitionRun(db: DbOrTx, run: Pick<RunRow, "id" | "status">, to: RunStatus, message?: string | null) {
  assertTransition(`run ${run.id}`, run.status, to);
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
  const changed = affectedRows(r) === 1;
  // In the same transaction as the change: the notification cannot be lost or invented.
  if (changed) await enqueueRunNotifications(db, run.id, to);
  return changed;
}

export async function bumpRev(db: DbOrTx, runId: string) {
  await db
    .update(runs)
    .set({ rev: sql`${runs.rev} + 1` })
    .where(eq(runs.id, runId));
}

/**
 * Decides what happens next for one run, from its current rows (level-based: calling it twice
 * changes nothing). Call with the run row locked. Returns the task runs that may start now.
 * First the stages; once none of their tasks is active any more (done, failed, cancelled, or a
 * gate skipped the rest), the `finally` tasks; then the run ends with what the stages came to.
 */
export async function advanceRun(tx: DbOrTx, run: RunRow): Promise<TaskRunRow[]> {
  if (isFinal(run.status)) return [];
  let trs = await tx.select().from(taskRuns).where(eq(taskRuns.runId, run.id));
  trs.sort((a, b) => a.stageIndex - b.stageIndex || a.taskIndex - b.taskIndex);
  // Approval gates are decided here, from their decisions and deadline: no process runs them.
  if (!run.cancelRequested) trs = await settleGates(tx, trs);
  const stages = await advanceStages(tx, run, trs);
  if (stages.kind === "again") return advanceRun(tx, stages.run);
  if (stages.kind === "going") return stages.ready;
  return advanceFinally(tx, stages.run);
}

type StagesStep =
  /** Stage tasks may start (or are running or waiting); the run is as given. */
  | { kind: "going"; ready: TaskRunRow[] }
  /** Statuses changed in a way that changes what is due: decide again. */
  | { kind: "again"; run: RunRow }
  /** No stage task is active any more. */
  | { kind: "over"; run: RunRow };

async function advanceStages(tx: DbOrTx, run: RunRow, all: TaskRunRow[]): Promise<StagesStep> {
  const trs = all.filter((t) => !t.plan.finally);
  const active = trs.filter((t) => t.status === "running" || t.status === "waiting");
  const going: StagesStep = { kind: "going", ready: [] };

  const skipQueued = async (message: string) => {
    const queued = trs.filter((t) => t.status === "queued").map((t) => t.id);
    await transitionTaskRuns(tx, run.id, queued, "queued", "skipped", { message });
  };

  if (run.cancelRequested) {
    await skipQueued("skipped: the run was cancelled");
    return active.length === 0 ? { kind: "over", run } : going;
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

  // (A combination of a matrix task without failFast fails the stages only once its siblings are over.)
  const broken = brokenStageTask(trs);
  if (broken) {
    await skipQueued(`skipped: task '${broken.name}' ${broken.status}`);
    return (await skipWaitingGates(`skipped: task '${broken.name}' ${broken.status}`)) === 0 ? { kind: "over", run } : going;
  }

  // A gate that timed out with `onTimeout: skip` skips the rest of the run, which then ends
  // without failing.
  const gate = skippedGate(trs);
  if (gate) {
    await skipQueued(`skipped: approval gate '${gate.name}' timed out`);
    return (await skipWaitingGates(`skipped: approval gate '${gate.name}' timed out`)) === 0 ? { kind: "over", run } : going;
  }

  const stages = new Map<number, TaskRunRow[]>();
  for (const t of trs) stages.set(t.stageIndex, [...(stages.get(t.stageIndex) ?? []), t]);
  for (const [, tasks] of [...stages.entries()].sort((a, b) => a[0] - b[0])) {
    const next = tasks.find((t) => !isFinal(t.status));
    if (!next) continue; // this stage is done
    if (run.status === "queued") {
      await transitionRun(tx, run, "running");
      run = { ...run, status: "running" };
    }
    const parallel = tasks[0].stageMode === "parallel";
    // The combinations of a matrix task run side by side, in a sequential stage too.
    const group = next.plan.matrix ? tasks.filter((t) => t.plan.matrix?.task === next.plan.matrix?.task) : [next];
    let ready = (parallel ? tasks : group).filter((t) => t.status === "queued");
    // Conditions and the results a task uses are decided as it becomes due (lib/expressions/due.ts).
    if (ready.some((t) => t.plan.when || t.plan.needs)) {
      const outcomes = withMatrixOutcomes(all);
      let decided = 0;
      for (const t of ready) {
        const d = decideDue(t.plan, outcomes, run);
        if (d.kind === "run") continue;
        if (await transitionTaskRun(tx, t, d.kind === "skip" ? "skipped" : "failed", { message: d.message })) decided++;
      }
      // What is due next follows from the new statuses: decide again (each pass settles at least one task).
      if (decided) return { kind: "again", run };
    }
    // Gates are not claimed by an operator: they start waiting here.
    let opened = 0;
    for (const g of ready.filter((t) => t.plan.gate)) if (await openGate(tx, g)) opened++;
    ready = ready.filter((t) => !t.plan.gate);
    // The run is `waiting` while nothing but gates is left to happen in it.
    const busy = ready.length > 0 || tasks.some((t) => t.status === "running");
    const gated = opened > 0 || tasks.some((t) => t.status === "waiting");
    if (gated && !busy && run.status === "running") await transitionRun(tx, run, "waiting");
    else if (run.status === "waiting" && (busy || !gated)) await transitionRun(tx, run, "running");
    return { kind: "going", ready };
  }
  return { kind: "over", run };
}

/**
 * The `finally` tasks, side by side, once the stages are over; then the run's end. A cancelled
 * run's finally tasks still start until its grace runs out (queued ones are skipped then, and the
 * operator stops running ones: operator-queries.ts listTaskRunsToStop).
 */
async function advanceFinally(tx: DbOrTx, run: RunRow): Promise<TaskRunRow[]> {
  // Rows as they are now: the stages' pass may have skipped some.
  const trs = await tx.select().from(taskRuns).where(eq(taskRuns.runId, run.id));
  trs.sort((a, b) => a.stageIndex - b.stageIndex || a.taskIndex - b.taskIndex);
  const fin = trs.filter((t) => t.plan.finally);
  const stages = stagesOutcome(trs, run);
  if (fin.length && fin.some((t) => !isFinal(t.status))) {
    const queued = fin.filter((t) => t.status === "queued");
    if (run.cancelRequested && finallyGraceOver(run.cancelRequestedAt, new Date())) {
      const grace = `skipped: the run was cancelled over ${FINALLY_CANCEL_GRACE_SECONDS / 60} minutes ago`;
      await transitionTaskRuns(
        tx,
        run.id,
        queued.map((t) => t.id),
        "queued",
        "skipped",
        { message: grace },
      );
      if (fin.some((t) => t.status === "running")) return [];
      return advanceRun(tx, run);
    }
    let decided = 0;
    const outcomes = withMatrixOutcomes(trs);
    for (const t of queued) {
      // An approval gate has no place after the run (saving refuses one); it is not left waiting.
      const d = t.plan.gate
        ? { kind: "skip" as const, message: "skipped: approval gates do not run in finally" }
        : decideDue(t.plan, outcomes, run, stages.status);
      if (d.kind === "run") continue;
      if (await transitionTaskRun(tx, t, d.kind === "skip" ? "skipped" : "failed", { message: d.message })) decided++;
    }
    if (decided) return advanceRun(tx, run);
    if (run.status === "queued" || run.status === "waiting") await transitionRun(tx, run, "running");
    return queued;
  }
  const end = finalOutcome(stages, fin);
  // A run still `queued` here had nothing to run; it passes through `running` because
  // queued → succeeded is not an allowed transition (queued → failed and → cancelled are).
  if (end.status === "succeeded" && run.status === "queued" && (await transitionRun(tx, run, "running")))
    run = { ...run, status: "running" };
  await transitionRun(tx, run, end.status, end.message);
  return [];
}

/** Applies the decisions of the run's waiting gates (server/approvals/gate.ts); returns the task runs as they are now. */
export async function settleGates(tx: DbOrTx, trs: TaskRunRow[], now = new Date()): Promise<TaskRunRow[]> {
  const waiting = trs.filter((t) => t.status === "waiting" && t.plan.gate);
  if (waiting.length === 0) return trs;
  const all = await decisionsOf(
    tx,
    waiting.map((t) => t.id),
  );
  const out = new Map(trs.map((t) => [t.id, t]));
  for (const t of waiting) {
    const gate = t.plan.gate;
    if (!gate) continue; // never: `waiting` holds gates only
    const outcome = decideGate(
      gate,
      t,
      all.filter((d) => d.taskRunId === t.id),
      now,
    );
    if (!outcome) continue;
    if (await transitionTaskRun(tx, t, outcome.status, { message: outcome.message }, now)) {
      out.set(t.id, { ...t, status: outcome.status, message: outcome.message, finishedAt: now });
    }
  }
  return trs.map((t) => out.get(t.id) ?? t);
}

/** queued → waiting: the gate's clock starts now (startedAt), and the operator notifies its approvers. */
export function openGate(tx: DbOrTx, t: Pick<TaskRunRow, "id" | "runId" | "status">, now = new Date()): Promise<boolean> {
  return transitionTaskRun(tx, t, "waiting", { message: null }, now);
}
