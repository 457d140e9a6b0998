import { and, asc, desc, eq, gt, inArray, isNotNull, lt, ne, notExists, or, sql, type SQL } from "drizzle-orm";
import type { Pool } from "mysql2/promise";
import { RetentionSpecSchema, type RetentionSpec } from "@/lib/pipeline-spec";
import { FINAL_STATUSES } from "@/lib/status";
import type { ArtifactStore } from "../artifacts/store";
import { audit, SYSTEM_ACTOR } from "../audit/audit";
import type { Db } from "../db/client";
import { affectedRows } from "../db/result";
import { artifacts, logChunks, notificationOutbox, pipelines, pipelineVersions, runs, taskRuns, testCases } from "../db/schema";

/**
 * Run retention (docs/operations.md#run-retention): finished runs past their pipeline's
 * `retention` (lib/pipeline-spec.ts) or GANTRY_RUN_RETENTION_DAYS are deleted with everything
 * that hangs off them: task runs, log lines, approvals, triage, test cases, notifications (by
 * the foreign keys' cascades) and their artifact objects. Work goes in batches of short
 * statements in index order, so that neither a pass nor a batch holds locks a user would notice.
 */

/** What one pipeline keeps: its newest `keep` finished runs (null: any number), none older than `days` (0: any age). */
export interface RetentionPolicy {
  keep: number | null;
  days: number;
}

/**
 * The pipeline's own rules over the site's: its `days` replaces GANTRY_RUN_RETENTION_DAYS, its
 * `keep` adds a count. Null when nothing is ever pruned.
 */
export function effectivePolicy(spec: RetentionSpec | null | undefined, globalDays: number): RetentionPolicy | null {
  const p = { keep: spec?.keep ?? null, days: spec?.days ?? globalDays };
  return p.keep === null && p.days === 0 ? null : p;
}

/** A place in the order runs finished in: (finished_at, id), ids breaking ties. */
export interface RunKey {
  at: Date;
  id: string;
}

export const keyBefore = (a: RunKey, b: RunKey) => a.at.getTime() < b.at.getTime() || (a.at.getTime() === b.at.getTime() && a.id < b.id);

/**
 * Runs that finished before the returned key are pruned (null: none). `oldestKept` is the
 * `keep`-th newest finished run, if the pipeline has that many. Either rule is enough to prune
 * a run, so the later of the two bounds wins.
 */
export function pruneBefore(policy: RetentionPolicy, now: Date, oldestKept: RunKey | null): RunKey | null {
  const byAge = policy.days > 0 ? { at: new Date(now.getTime() - policy.days * 86_400_000), id: "" } : null;
  const byCount = policy.keep !== null ? oldestKept : null;
  if (!byAge) return byCount;
  if (!byCount) return byAge;
  return keyBefore(byAge, byCount) ? byCount : byAge;
}

export interface PruneOptions {
  store: ArtifactStore;
  /** GANTRY_RUN_RETENTION_DAYS. */
  globalDays: number;
  now?: Date;
  /** Runs deleted per transaction. */
  batchSize?: number;
  /** Stop after this many runs; the next pass carries on. */
  maxRuns?: number;
  /** Stops the pass between batches (the operator is shutting down). */
  signal?: AbortSignal;
  /** Told how long each write took (benchmarks). */
  onWrite?: (kind: WriteKind, ms: number) => void;
}

export type WriteKind = "log_chunks" | "test_cases" | "artifacts" | "task_runs" | "runs";

export interface PruneResult {
  runs: number;
  taskRuns: number;
  logChunks: number;
  testCases: number;
  artifacts: number;
  batches: number;
  /** The longest single write statement or transaction, in milliseconds. */
  longestWriteMs: number;
  /** Whether maxRuns (or the signal) stopped the pass before it was done. */
  capped: boolean;
}

const CHUNK_DELETE = 2000;
const ID_CHUNK = 1000;
const TASK_CHUNK = 250;

/** The retention of every pipeline that has one (its current version's spec), or all when the site has a default. */
async function pipelinePolicies(db: Db, globalDays: number) {
  const rows = await db
    .select({
      id: pipelines.id,
      name: pipelines.name,
      projectId: pipelines.projectId,
      retention: sql<unknown>`JSON_EXTRACT(${pipelineVersions.spec}, '$.retention')`,
    })
    .from(pipelines)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.pipelineId, pipelines.id), eq(pipelineVersions.version, pipelines.currentVersion)))
    .where(globalDays > 0 ? undefined : sql`JSON_EXTRACT(${pipelineVersions.spec}, '$.retention') IS NOT NULL`)
    .orderBy(asc(pipelines.id));
  const out: { id: string; name: string; projectId: string; policy: RetentionPolicy }[] = [];
  for (const r of rows) {
    const raw = typeof r.retention === "string" ? JSON.parse(r.retention) : r.retention;
    // Saved specs were validated; one that no longer parses keeps its runs rather than guess.
    const spec = raw == null ? null : RetentionSpecSchema.safeParse(raw);
    if (spec && !spec.success) continue;
    const policy = effectivePolicy(spec?.data, globalDays);
    if (policy) out.push({ id: r.id, name: r.name, projectId: r.projectId, policy });
  }
  return out;
}

const finished = (pipelineId: string) =>
  and(eq(runs.pipelineId, pipelineId), isNotNull(runs.finishedAt), inArray(runs.status, [...FINAL_STATUSES]));

/** (finished_at, id) after / before a key, in the shape the (pipeline_id, finished_at) index serves. */
const after = (k: RunKey): SQL | undefined => or(gt(runs.finishedAt, k.at), and(eq(runs.finishedAt, k.at), gt(runs.id, k.id)));
const before = (k: RunKey): SQL | undefined => or(lt(runs.finishedAt, k.at), and(eq(runs.finishedAt, k.at), lt(runs.id, k.id)));
/** The finishing time of a run read with `finished()`, which leaves out runs without one. */
const finishedAt = (d: Date | null): Date => d ?? new Date(0);

/**
 * Deletes the finished runs that retention no longer keeps, pipeline by pipeline, oldest first,
 * `batchSize` runs at a time. Never an active run, never a pipeline's newest succeeded run (what
 * a trigger's "commits since the last success" and a badge look at), never a run with a
 * notification still to send. Safe to run again at any point: a pass that stopped half-way
 * (the database went away) is finished by the next.
 */
export async function pruneRuns(db: Db, o: PruneOptions): Promise<PruneResult> {
  const now = o.now ?? new Date();
  const batchSize = o.batchSize ?? 500;
  const maxRuns = o.maxRuns ?? Infinity;
  const res: PruneResult = { runs: 0, taskRuns: 0, logChunks: 0, testCases: 0, artifacts: 0, batches: 0, longestWriteMs: 0, capped: false };
  const timed = async <T>(kind: WriteKind, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      const ms = performance.now() - t0;
      res.longestWriteMs = Math.max(res.longestWriteMs, ms);
      o.onWrite?.(kind, ms);
    }
  };

  for (const p of await pipelinePolicies(db, o.globalDays)) {
    const [lastSuccess] = await db
      .select({ id: runs.id })
      .from(runs)
      .where(and(finished(p.id), eq(runs.status, "succeeded")))
      .orderBy(desc(runs.finishedAt), desc(runs.id))
      .limit(1);
    let oldestKept: RunKey | null = null;
    if (p.policy.keep !== null) {
      const [k] = await db
        .select({ at: runs.finishedAt, id: runs.id })
        .from(runs)
        .where(finished(p.id))
        .orderBy(desc(runs.finishedAt), desc(runs.id))
        .limit(1)
        .offset(p.policy.keep - 1);
      // Fewer finished runs than `keep`: the count keeps them all (the age rule may still apply).
      oldestKept = k ? { at: finishedAt(k.at), id: k.id } : { at: new Date(0), id: "" };
    }
    const bound = pruneBefore(p.policy, now, oldestKept);
    if (!bound) continue;

    let from: RunKey | null = null;
    for (;;) {
      const want = Math.min(batchSize, maxRuns - res.runs);
      if (want <= 0 || o.signal?.aborted) {
        res.capped = true;
        return res;
      }
      const batch: { id: string; number: number; at: Date | null }[] = await db
        .select({ id: runs.id, number: runs.number, at: runs.finishedAt })
        .from(runs)
        .where(
          and(
            finished(p.id),
            before(bound),
            from ? after(from) : undefined,
            lastSuccess ? ne(runs.id, lastSuccess.id) : undefined,
            notExists(
              db
                .select({ one: sql`1` })
                .from(notificationOutbox)
                .where(and(eq(notificationOutbox.runId, runs.id), eq(notificationOutbox.status, "pending"))),
            ),
          ),
        )
        .orderBy(asc(runs.finishedAt), asc(runs.id))
        .limit(want);
      if (batch.length === 0) break;
      const last: { id: string; at: Date | null } = batch[batch.length - 1];
      from = { at: finishedAt(last.at), id: last.id };
      await deleteRuns(db, o.store, p, batch, res, timed);
      if (batch.length < want) break;
    }
  }
  return res;
}

async function deleteRuns(
  db: Db,
  store: ArtifactStore,
  p: { id: string; name: string; projectId: string },
  batch: { id: string; number: number }[],
  res: PruneResult,
  timed: <T>(kind: WriteKind, f: () => Promise<T>) => Promise<T>,
) {
  const runIds = batch.map((r) => r.id);
  const trIds = (await db.select({ id: taskRuns.id }).from(taskRuns).where(inArray(taskRuns.runId, runIds))).map((r) => r.id);

  // Objects first: a failure here leaves the rows, so the next pass finds the keys again.
  const keys = (await db.select({ key: artifacts.storageKey }).from(artifacts).where(inArray(artifacts.runId, runIds))).map((r) => r.key);
  if (keys.length) await store.delete(keys);
  res.artifacts += keys.length;

  // The bulky children in small autocommitted deletes, so that the cascade below has little left to do.
  for (let i = 0; i < trIds.length; i += ID_CHUNK) {
    const ids = trIds.slice(i, i + ID_CHUNK);
    for (;;) {
      const n = affectedRows(
        await timed("log_chunks", () =>
          db.execute(sql`DELETE FROM ${logChunks} WHERE ${inArray(logChunks.taskRunId, ids)} LIMIT ${CHUNK_DELETE}`),
        ),
      );
      res.logChunks += n;
      if (n < CHUNK_DELETE) break;
    }
  }
  for (;;) {
    const n = affectedRows(
      await timed("test_cases", () =>
        db.execute(sql`DELETE FROM ${testCases} WHERE ${inArray(testCases.runId, runIds)} LIMIT ${CHUNK_DELETE}`),
      ),
    );
    res.testCases += n;
    if (n < CHUNK_DELETE) break;
  }

  await timed("artifacts", () => db.delete(artifacts).where(inArray(artifacts.runId, runIds)));
  // Task runs in slices too (the cascades take their approvals and triage): a cascade over a whole
  // batch's task runs was the longest transaction of the benchmark.
  for (let i = 0; i < trIds.length; i += TASK_CHUNK) {
    const ids = trIds.slice(i, i + TASK_CHUNK);
    await timed("task_runs", () => db.delete(taskRuns).where(inArray(taskRuns.id, ids)));
  }

  // The runs themselves (the cascades take what is left: sent notifications), with the audit record.
  const deleted = await timed("runs", () =>
    db.transaction(async (tx) => {
      const r = await tx
        .delete(runs)
        .where(and(inArray(runs.id, runIds), isNotNull(runs.finishedAt), inArray(runs.status, [...FINAL_STATUSES])));
      const n = affectedRows(r);
      if (n)
        await audit(tx, SYSTEM_ACTOR, {
          action: "run.prune",
          targetType: "pipeline",
          targetId: p.id,
          targetName: p.name,
          projectId: p.projectId,
          details: { runs: n, numbers: batch.map((b) => b.number).sort((a, b) => a - b) },
        });
      return n;
    }),
  );
  res.runs += deleted;
  res.taskRuns += trIds.length;
  res.batches++;
}

/** The name of the MariaDB lock that lets one operator replica prune at a time. */
export const RETENTION_LOCK = "gantry.run-retention";

/**
 * Runs `f` while this process holds the retention lock (GET_LOCK on a connection of its own, so
 * a replica that dies releases it with its connection); null without running it when another
 * replica holds it.
 */
export async function withRetentionLock<T>(db: Db, f: () => Promise<T>): Promise<T | null> {
  // Drizzle keeps the pool it was made with as `$client` (server/db/client.ts makes it from a pool).
  const pool = (db as unknown as { $client?: Pool }).$client;
  if (!pool?.getConnection) throw new Error("run retention needs a database made from a connection pool");
  const conn = await pool.getConnection();
  try {
    const [rows] = await conn.query("SELECT GET_LOCK(?, 0) AS got", [RETENTION_LOCK]);
    if (Number((rows as { got: number | null }[])[0]?.got) !== 1) return null;
    try {
      return await f();
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [RETENTION_LOCK]).catch(() => undefined);
    }
  } finally {
    conn.release();
  }
}
