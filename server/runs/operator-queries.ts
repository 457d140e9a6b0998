import { and, asc, eq, inArray, isNull, lt, max, ne, notExists, notInArray, or, sql } from "drizzle-orm";
import { ACTIVE_STATUSES, isActive, type RunStatus } from "@/lib/status";
import type { Db, DbOrTx } from "../db/client";
import { logChunks, operators, pipelines, runs, taskRuns, type RunRow, type TaskRunRow } from "../db/schema";
import { MySqlLogStore } from "../logs/store";
import { affectedRows } from "../db/result";
import type { TaskOutcome } from "@/lib/expressions/values";
import { withMatrixOutcomes } from "@/lib/matrix";
import { FINALLY_CANCEL_GRACE_SECONDS, finallyGraceOver, stagesOutcome } from "@/lib/run-outcome";
import { advanceRun, transitionTaskRun } from "./state";
import { cancelReplaced, decideConcurrency } from "./concurrency";

/**
 * What the operator asks of the database: its own liveness row, claiming work, reporting task
 * results, and recovering task runs that a dead operator left `running`. Times come from the
 * database clock (NOW(3)), so operators on hosts with skewed clocks agree on staleness.
 */

/** The run data a task needs at execution time. */
export type RunForTask = Pick<RunRow, "id" | "pipelineId" | "number" | "params" | "secretNames">;
export interface ClaimedTask {
  taskRun: TaskRunRow;
  run: RunForTask;
}

export const RESTARTED_MESSAGE = "operator restarted while the task was running";
export const SHUTDOWN_MESSAGE = "operator shut down while the task was running";
export const staleMessage = (operatorId: string, staleSeconds: number) =>
  `operator '${operatorId}' stopped responding (no heartbeat for over ${staleSeconds}s) while the task was running`;

export async function registerOperator(db: Db, op: { id: string; hostname: string; pid: number }) {
  await db
    .insert(operators)
    .values({ ...op, startedAt: sql`NOW(3)`, heartbeatAt: sql`NOW(3)` })
    .onDuplicateKeyUpdate({ set: { hostname: op.hostname, pid: op.pid, startedAt: sql`NOW(3)`, heartbeatAt: sql`NOW(3)` } });
}

/** Marks the operator alive; re-creates its row if someone removed it. */
export async function heartbeatOperator(db: Db, op: { id: string; hostname: string; pid: number }) {
  const r = await db
    .update(operators)
    .set({ heartbeatAt: sql`NOW(3)` })
    .where(eq(operators.id, op.id));
  if (affectedRows(r) === 0) await registerOperator(db, op);
}

/**
 * Forgets operators gone for long (a pod that was replaced) once none of their task runs is
 * still running; their history stays in `task_runs.claimed_by`.
 */
export async function pruneOperators(db: Db, olderThanSeconds: number) {
  await db.delete(operators).where(
    and(
      lt(operators.heartbeatAt, sql`NOW(3) - INTERVAL ${olderThanSeconds} SECOND`),
      notExists(
        db
          .select({ one: sql`1` })
          .from(taskRuns)
          .where(and(eq(taskRuns.claimedBy, operators.id), eq(taskRuns.status, "running"))),
      ),
    ),
  );
}

/** A cleanly stopped operator leaves no row, so nobody waits for its heartbeat. */
export async function removeOperator(db: Db, id: string) {
  await db.delete(operators).where(eq(operators.id, id));
}

/** An active run as the scheduler sees it (operator/scheduler/dispatch.ts ActiveRun). */
export interface SchedulableRun {
  id: string;
  rev: number;
  status: RunStatus;
  projectId: string;
  priority: number;
  /** Epoch ms. */
  createdAt: number;
}

export interface ActiveRunsListing {
  runs: SchedulableRun[];
  /** Task runs running now (any operator) per project: the fair-share load. */
  load: Map<string, number>;
}

/**
 * Runs that may have something to do, with their `rev` (bumped on every change), project and
 * priority, and each project's running task runs. Every started run (running or waiting, up to
 * `activeLimit`, oldest first) is listed: its gates, cancels and next stages move on. Queued runs
 * are listed per project, its best `perProject` by priority then age (ROW_NUMBER() OVER
 * (PARTITION BY project), MariaDB 10.2+ / MySQL 8), at most `queuedLimit` in all, every
 * project's first before any project's second: a project's backlog of thousands never hides
 * another project's runs (docs/operations.md, "Scheduling").
 * A run still waiting for its pipeline file has no task runs yet: the file's reader (pending-runs.ts) has it.
 */
export async function listActiveRuns(
  db: DbOrTx,
  o: { perProject?: number; queuedLimit?: number; activeLimit?: number } = {},
): Promise<ActiveRunsListing> {
  const perProject = o.perProject ?? 100;
  const queuedLimit = o.queuedLimit ?? 2000;
  // Three independent reads, each on its own pooled connection: one claim tick waits for the slowest, not the sum.
  const [started, [queued], running] = await Promise.all([
    db
      .select({
        id: runs.id,
        rev: runs.rev,
        status: runs.status,
        projectId: pipelines.projectId,
        priority: runs.priority,
        createdAt: runs.createdAt,
      })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(and(inArray(runs.status, ["running", "waiting"]), isNull(runs.pendingStart)))
      .orderBy(asc(runs.createdAt))
      .limit(o.activeLimit ?? 1000),
    db.execute(queuedRunsQuery(perProject, queuedLimit)) as unknown as Promise<
      [{ id: string; rev: number; status: RunStatus; projectId: string; priority: number; createdAt: Date | string }[]]
    >,
    db
      .select({ projectId: pipelines.projectId, n: sql<number>`count(*)` })
      .from(taskRuns)
      .innerJoin(runs, eq(runs.id, taskRuns.runId))
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(eq(taskRuns.status, "running"))
      .groupBy(pipelines.projectId),
  ]);
  return {
    runs: [...started, ...queued].map((r) => ({
      ...r,
      rev: Number(r.rev),
      priority: Number(r.priority),
      createdAt: epochMs(r.createdAt),
    })),
    load: new Map(running.map((r) => [r.projectId, Number(r.n)])),
  };
}

/**
 * Each project's best `perProject` queued runs by priority then age, every project's first before
 * any project's second, `limit` in all. The window runs over the queued runs only, read through
 * runs_queue (status, priority, created_at) from runs to their pipeline (STRAIGHT_JOIN, FORCE
 * INDEX): never through a pipeline's runs, finished ones included. Exported for the bench's EXPLAIN.
 */
export function queuedRunsQuery(perProject: number, limit: number) {
  return sql`
    SELECT q.id, q.rev, q.status, q.project_id AS projectId, q.priority, q.created_at AS createdAt FROM (
      SELECT r.id, r.rev, r.status, p.project_id, r.priority, r.created_at,
        ROW_NUMBER() OVER (PARTITION BY p.project_id ORDER BY r.priority DESC, r.created_at, r.id) AS rn
      FROM runs r FORCE INDEX (runs_queue) STRAIGHT_JOIN pipelines p ON p.id = r.pipeline_id
      WHERE r.status = 'queued' AND r.pending_start IS NULL
    ) q
    WHERE q.rn <= ${perProject}
    ORDER BY q.rn, q.priority DESC, q.created_at
    LIMIT ${limit}`;
}

/** A DATETIME(3) as Drizzle maps it (a Date), or as a raw query gives it (UTC text, the pool's time zone). */
function epochMs(v: Date | string): number {
  return v instanceof Date ? v.getTime() : Date.parse(`${v.replace(" ", "T")}Z`);
}

export interface AdvanceResult {
  /** Task runs this operator now owns (queued → running, claimedBy set, attempt 1). */
  claimed: ClaimedTask[];
  /** The run was locked by another operator, or is no longer active. */
  skipped: boolean;
  /** Ready task runs left queued because `capacity` ran out. */
  unclaimed: number;
  /** The run's rev and status after this call. */
  rev: number;
  status: RunStatus | null;
}

/**
 * Advances one run under its row lock (SKIP LOCKED: a run another operator is advancing is
 * skipped, not waited for) and claims up to `capacity` of the task runs that may start.
 */
export async function advanceAndClaim(db: Db, runId: string, opts: { operatorId: string; capacity: number }): Promise<AdvanceResult> {
  let replaces: { run: RunRow; victims: { id: string; number: number }[] } | null = null;
  const result = await db.transaction(async (tx): Promise<AdvanceResult> => {
    const [run] = await tx
      .select()
      .from(runs)
      .where(and(eq(runs.id, runId), inArray(runs.status, [...ACTIVE_STATUSES])))
      .for("update", { skipLocked: true });
    if (!run) return { claimed: [], skipped: true, unclaimed: 0, rev: 0, status: null };
    // The pipeline's concurrency settings may keep a queued run waiting (looked at again each poll).
    const conc = await decideConcurrency(tx, run);
    // Older runs of its ref are cancelled even while this one waits for a slot (they hold the slots).
    if (conc.cancel.length) replaces = { run, victims: conc.cancel };
    if (conc.wait) {
      const [held] = await tx.select({ rev: runs.rev, status: runs.status }).from(runs).where(eq(runs.id, runId));
      return { claimed: [], skipped: false, unclaimed: 1, rev: held.rev, status: held.status };
    }
    const ready = await advanceRun(tx, run);
    const ids: string[] = [];
    for (const t of ready) {
      if (ids.length >= opts.capacity) break;
      if (await claimTaskRun(tx, t, opts.operatorId)) ids.push(t.id);
    }
    const claimedRows = ids.length ? await tx.select().from(taskRuns).where(inArray(taskRuns.id, ids)) : [];
    claimedRows.sort((a, b) => a.stageIndex - b.stageIndex || a.taskIndex - b.taskIndex);
    const [after] = await tx.select({ rev: runs.rev, status: runs.status }).from(runs).where(eq(runs.id, runId));
    const forTask: RunForTask = {
      id: run.id,
      pipelineId: run.pipelineId,
      number: run.number,
      params: run.params,
      secretNames: run.secretNames,
    };
    return {
      claimed: claimedRows.map((taskRun) => ({ taskRun, run: forTask })),
      skipped: false,
      unclaimed: ready.length - ids.length,
      rev: after.rev,
      status: after.status,
    };
  });
  // Older runs of the same ref go once this one is on its way (their own locks, after ours).
  const r = replaces as { run: RunRow; victims: { id: string; number: number }[] } | null;
  if (r) await cancelReplaced(db, r.run, r.victims);
  return result;
}

/** queued → running, owned by this operator. False when someone else got there first. */
export async function claimTaskRun(db: DbOrTx, tr: Pick<TaskRunRow, "id" | "runId" | "status">, operatorId: string): Promise<boolean> {
  if (tr.status !== "queued") return false;
  return transitionTaskRun(db, tr, "running", { claimedBy: operatorId, attempt: 1, exitCode: null, message: null });
}

/** A retry: the task run stays running with the next attempt number. */
export async function setTaskAttempt(db: DbOrTx, tr: Pick<TaskRunRow, "id" | "runId">, attempt: number): Promise<boolean> {
  return transitionTaskRun(db, { ...tr, status: "running" }, "running", { attempt, exitCode: null });
}

/** Why a running task run is not really running yet (or null once it is); it stays running. */
export async function setRunningMessage(db: DbOrTx, tr: Pick<TaskRunRow, "id" | "runId">, message: string | null): Promise<boolean> {
  return transitionTaskRun(db, { ...tr, status: "running" }, "running", { message });
}

/** Where the task runs in its executor (pid, BuildJob name); shown to operators, not users. */
export async function setExecutorRef(db: DbOrTx, taskRunId: string, ref: string) {
  await db
    .update(taskRuns)
    .set({ executorRef: ref.slice(0, 253) })
    .where(eq(taskRuns.id, taskRunId));
}

/**
 * running → final. False when the task run is no longer running (another operator declared it
 * orphaned meanwhile): the first final word stands.
 */
export async function finishTaskRun(
  db: DbOrTx,
  tr: Pick<TaskRunRow, "id" | "runId">,
  result: {
    status: "succeeded" | "failed" | "cancelled";
    exitCode: number | null;
    message: string | null;
    attempt?: number;
    results?: Record<string, string>;
  },
): Promise<boolean> {
  return transitionTaskRun(db, { ...tr, status: "running" }, result.status, {
    exitCode: result.exitCode,
    message: result.message || null,
    ...(result.attempt !== undefined ? { attempt: result.attempt } : {}),
    ...(result.results && Object.keys(result.results).length ? { results: result.results } : {}),
  });
}

export interface TaskRunControl {
  id: string;
  /** `cancel`: the run was cancelled; `lost`: the task run is no longer ours to run. */
  action: "cancel" | "lost";
  message: string;
}

/**
 * Which of these task runs (all in flight here) should be stopped, and why: those of a cancelled
 * run (its `finally` tasks only once their grace has run out), and the running combinations of a
 * failFast matrix task one of whose combinations failed.
 */
export async function listTaskRunsToStop(
  db: DbOrTx,
  operatorId: string,
  taskRunIds: string[],
  now = new Date(),
): Promise<TaskRunControl[]> {
  if (taskRunIds.length === 0) return [];
  const rows = await db
    .select({
      id: taskRuns.id,
      runId: taskRuns.runId,
      status: taskRuns.status,
      claimedBy: taskRuns.claimedBy,
      plan: taskRuns.plan,
      cancelRequested: runs.cancelRequested,
      cancelRequestedAt: runs.cancelRequestedAt,
      runMessage: runs.message,
    })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .where(inArray(taskRuns.id, taskRunIds));
  const found = new Set(rows.map((r) => r.id));
  const out: TaskRunControl[] = taskRunIds
    .filter((id) => !found.has(id))
    .map((id) => ({ id, action: "lost" as const, message: "task run was deleted" }));
  const failFastRuns = [...new Set(rows.filter((r) => r.plan.matrix?.failFast).map((r) => r.runId))];
  const failed = failFastRuns.length
    ? await db
        .select({ runId: taskRuns.runId, name: taskRuns.name, plan: taskRuns.plan })
        .from(taskRuns)
        .where(and(inArray(taskRuns.runId, failFastRuns), eq(taskRuns.status, "failed")))
    : [];
  for (const r of rows) {
    const m = r.plan.matrix;
    const sibling = m?.failFast && failed.find((f) => f.runId === r.runId && f.plan.matrix?.task === m.task);
    if (r.status !== "running" || r.claimedBy !== operatorId)
      out.push({ id: r.id, action: "lost", message: `task run is ${r.status} and owned by ${r.claimedBy ?? "nobody"}` });
    else if (r.cancelRequested && !r.plan.finally) out.push({ id: r.id, action: "cancel", message: r.runMessage || "cancelled" });
    else if (r.cancelRequested && finallyGraceOver(r.cancelRequestedAt, now))
      out.push({
        id: r.id,
        action: "cancel",
        message: `${r.runMessage || "cancelled"}; the finally tasks' grace of ${FINALLY_CANCEL_GRACE_SECONDS / 60} minutes ran out`,
      });
    else if (sibling) out.push({ id: r.id, action: "cancel", message: `cancelled: combination '${sibling.name}' failed (failFast)` });
  }
  return out;
}

export interface OrphanedTaskRun {
  id: string;
  runId: string;
  name: string;
  claimedBy: string | null;
  executorRef: string | null;
  message: string;
}

/**
 * Fails the task runs left `running` by a dead operator: with `own`, this operator's previous
 * life (same id; call it only at start); with `staleSeconds`, any other operator whose heartbeat
 * is older than that or that has no row. Logs are kept; a system line says what happened; the
 * run then advances (it fails and its later stages are skipped).
 */
export async function failOrphanedTaskRuns(
  db: Db,
  opts: {
    operatorId: string;
    own: boolean;
    staleSeconds?: number;
    /** Task runs that are not orphans (re-attached after a restart). */ keep?: string[];
  },
): Promise<OrphanedTaskRun[]> {
  const others =
    opts.staleSeconds === undefined
      ? sql`false`
      : and(
          ne(taskRuns.claimedBy, opts.operatorId),
          or(
            notExists(
              db
                .select({ one: sql`1` })
                .from(operators)
                .where(eq(operators.id, taskRuns.claimedBy)),
            ),
            inArray(
              taskRuns.claimedBy,
              db
                .select({ id: operators.id })
                .from(operators)
                .where(lt(operators.heartbeatAt, sql`NOW(3) - INTERVAL ${opts.staleSeconds} SECOND`)),
            ),
          ),
        );
  const candidates = await db
    .select({
      id: taskRuns.id,
      runId: taskRuns.runId,
      name: taskRuns.name,
      claimedBy: taskRuns.claimedBy,
      executorRef: taskRuns.executorRef,
    })
    .from(taskRuns)
    .where(
      and(
        eq(taskRuns.status, "running"),
        or(opts.own ? eq(taskRuns.claimedBy, opts.operatorId) : sql`false`, isNull(taskRuns.claimedBy), others),
        opts.keep?.length ? notInArray(taskRuns.id, opts.keep) : undefined,
      ),
    );

  const done: OrphanedTaskRun[] = [];
  for (const c of candidates) {
    const message =
      c.claimedBy === opts.operatorId || c.claimedBy === null ? RESTARTED_MESSAGE : staleMessage(c.claimedBy, opts.staleSeconds ?? 0);
    const ok = await db.transaction(async (tx) => {
      // Run row first, then its task runs: the same lock order as advanceAndClaim.
      const [run] = await tx.select().from(runs).where(eq(runs.id, c.runId)).for("update");
      const [tr] = await tx.select().from(taskRuns).where(eq(taskRuns.id, c.id)).for("update");
      if (!run || !tr || tr.status !== "running" || tr.claimedBy !== c.claimedBy) return false;
      // The log line goes in before the status turns final, so a reader who sees the end of
      // the task run has already been able to read it.
      const [m] = await tx
        .select({ s: max(logChunks.seqEnd) })
        .from(logChunks)
        .where(eq(logChunks.taskRunId, tr.id));
      const seq = Math.max(Number(m?.s ?? 0), tr.logSeq) + 1;
      await new MySqlLogStore(tx).append(tr.id, [{ seq, ts: Date.now(), stream: "sys", text: message }]);
      if (!(await transitionTaskRun(tx, tr, "failed", { message }))) return false;
      await advanceRun(tx, run);
      return true;
    });
    if (ok) done.push({ ...c, message });
  }
  return done;
}

/** A dead operator's task run whose work outlives it (a BuildJob), as candidates for adoption. */
export interface AdoptionCandidate {
  id: string;
  attempt: number;
  claimedBy: string | null;
  executorRef: string | null;
}

export const adoptedMessage = (from: string, to: string, staleSeconds: number) =>
  `operator '${from}' stopped responding (no heartbeat for over ${staleSeconds}s); operator '${to}' took the task over`;

/**
 * Takes over the running task runs of dead operators (heartbeat older than `staleSeconds`, or no
 * row) that `canAdopt` accepts, instead of failing them: their work still runs elsewhere (a
 * BuildJob in the cluster), so this operator follows it on. Each claim moves in a transaction
 * that re-checks the owner under lock, so of two survivors only one adopts a task run. A system
 * line says who took over. Returns the adopted task runs, fresh (with their stored log position).
 */
export async function adoptOrphanedTaskRuns(
  db: Db,
  opts: { operatorId: string; staleSeconds: number; canAdopt: (c: AdoptionCandidate) => boolean | Promise<boolean> },
): Promise<ClaimedTask[]> {
  const candidates = await db
    .select({
      id: taskRuns.id,
      runId: taskRuns.runId,
      attempt: taskRuns.attempt,
      claimedBy: taskRuns.claimedBy,
      executorRef: taskRuns.executorRef,
    })
    .from(taskRuns)
    .where(
      and(
        eq(taskRuns.status, "running"),
        ne(taskRuns.claimedBy, opts.operatorId),
        or(
          notExists(
            db
              .select({ one: sql`1` })
              .from(operators)
              .where(eq(operators.id, taskRuns.claimedBy)),
          ),
          inArray(
            taskRuns.claimedBy,
            db
              .select({ id: operators.id })
              .from(operators)
              .where(lt(operators.heartbeatAt, sql`NOW(3) - INTERVAL ${opts.staleSeconds} SECOND`)),
          ),
        ),
      ),
    );
  const adopted: string[] = [];
  for (const c of candidates) {
    if (!(await opts.canAdopt(c))) continue;
    const ok = await db.transaction(async (tx) => {
      // Run row first, then its task runs: the same lock order as advanceAndClaim.
      const [run] = await tx.select().from(runs).where(eq(runs.id, c.runId)).for("update");
      const [tr] = await tx.select().from(taskRuns).where(eq(taskRuns.id, c.id)).for("update");
      if (!run || !tr || tr.status !== "running" || tr.claimedBy !== c.claimedBy) return false;
      const [m] = await tx
        .select({ s: max(logChunks.seqEnd) })
        .from(logChunks)
        .where(eq(logChunks.taskRunId, tr.id));
      const seq = Math.max(Number(m?.s ?? 0), tr.logSeq) + 1;
      const text = adoptedMessage(c.claimedBy ?? "unknown", opts.operatorId, opts.staleSeconds);
      await new MySqlLogStore(tx).append(tr.id, [{ seq, ts: Date.now(), stream: "sys", text }]);
      return transitionTaskRun(tx, tr, "running", { claimedBy: opts.operatorId });
    });
    if (ok) adopted.push(c.id);
  }
  if (!adopted.length) return [];
  return db
    .select({
      taskRun: taskRuns,
      run: { id: runs.id, pipelineId: runs.pipelineId, number: runs.number, params: runs.params, secretNames: runs.secretNames },
    })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .where(and(inArray(taskRuns.id, adopted), eq(taskRuns.status, "running"), eq(taskRuns.claimedBy, opts.operatorId)));
}

/**
 * Task runs this operator owns (running, claimed by it) that it is not running: a claim whose
 * commit succeeded while the answer was lost with the connection. They never started, so they
 * can be started now.
 */
export async function ownTaskRunsNotInFlight(db: DbOrTx, operatorId: string, inFlight: string[]): Promise<ClaimedTask[]> {
  const rows = await db
    .select({
      taskRun: taskRuns,
      run: { id: runs.id, pipelineId: runs.pipelineId, number: runs.number, params: runs.params, secretNames: runs.secretNames },
    })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .where(and(eq(taskRuns.status, "running"), eq(taskRuns.claimedBy, operatorId)));
  const skip = new Set(inFlight);
  return rows.filter((r) => !skip.has(r.taskRun.id));
}

/**
 * Of these runs, the ones that are over, whose workspaces may be removed. A run this database
 * doesn't know is left alone: the workspace root may be shared with an operator of another
 * database.
 */
export async function finishedRunIds(db: DbOrTx, runIds: string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await db.select({ id: runs.id, status: runs.status }).from(runs).where(inArray(runs.id, runIds));
  return rows.filter((r) => !isActive(r.status)).map((r) => r.id);
}

/**
 * What earlier tasks of a run ended with (status, results), by name, with each matrix task's
 * aggregate status under its own name: for references resolved at a task's start.
 */
export async function taskOutcomes(db: DbOrTx, runId: string): Promise<Record<string, TaskOutcome>> {
  const rows = await db
    .select({ name: taskRuns.name, status: taskRuns.status, results: taskRuns.results, plan: taskRuns.plan })
    .from(taskRuns)
    .where(eq(taskRuns.runId, runId));
  return withMatrixOutcomes(rows);
}

/** What a run's stages came to (lib/run-outcome.ts): the `{{ run.status }}` its finally tasks see. */
export async function stagesStatus(db: DbOrTx, runId: string): Promise<string> {
  const [run] = await db.select({ cancelRequested: runs.cancelRequested, message: runs.message }).from(runs).where(eq(runs.id, runId));
  const rows = await db
    .select({
      name: taskRuns.name,
      status: taskRuns.status,
      message: taskRuns.message,
      startedAt: taskRuns.startedAt,
      finishedAt: taskRuns.finishedAt,
      plan: taskRuns.plan,
    })
    .from(taskRuns)
    .where(eq(taskRuns.runId, runId));
  return stagesOutcome(rows, run ?? { cancelRequested: false, message: null }).status;
}
