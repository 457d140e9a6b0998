/**
 * Failure triage (docs/triage.md): why a task run failed, whether it is flaky, where else the same
 * failure happened, and what changed since the last green run. The operator triages a task run
 * when it fails (`triageTaskRun`); the API reads it (`triageOfRun`), and triages what the
 * operator could not (a task run failed by a survivor of a dead operator) on first read.
 */
import { and, count, desc, eq, inArray, lt, min, ne, sql } from "drizzle-orm";
import { diffSpecs, type SpecDiff } from "@/lib/diff/spec-diff";
import { failureReason, type FailureReason } from "@/lib/failure-reason";
import type { DbOrTx } from "../db/client";
import { pipelines, pipelineVersions, runs, taskRuns, taskTriage, type TaskRunRow } from "../db/schema";
import type { LogStore } from "../logs/store";
import { findFirstError, type FirstError } from "./first-error";
import { diffLogs, MAX_LINES, type LogDiff } from "./log-diff";
import { fingerprint } from "./normalize";

/** Lines read to find the first error: the end of the log, where a failing attempt stops. */
const SCAN_LINES = 50_000;
/** Runs of the task looked at to call it flaky. */
export const FLAKY_WINDOW = 20;

async function readTail(store: LogStore, taskRunId: string, lastSeq: number, limit: number) {
  return store.read(taskRunId, Math.max(0, lastSeq - limit), limit);
}

/**
 * Finds the first error of a failed task run and stores it with its fingerprint; once per task
 * run (a second call finds the row). `ending`: the operator's call for a task run whose log is
 * complete and whose final status comes next, with what the executor knew (a Kubernetes reason).
 */
export async function triageTaskRun(
  db: DbOrTx,
  store: LogStore,
  taskRunId: string,
  ending?: { reason: FailureReason | null; message: string | null },
): Promise<typeof taskTriage.$inferSelect | null> {
  const [row] = await db
    .select({ tr: taskRuns, pipelineId: runs.pipelineId, projectId: pipelines.projectId })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(eq(taskRuns.id, taskRunId));
  // The operator triages a task run it is about to fail (`ending`); anyone else, a failed one.
  if (!row || (!ending && row.tr.status !== "failed")) return null;
  const message = ending ? ending.message : row.tr.message;
  const lines = await readTail(store, taskRunId, await store.lastSeq(taskRunId), SCAN_LINES);
  const firstError = findFirstError(lines);
  const why = ending?.reason ?? failureReason(null, message);
  const value = {
    taskRunId,
    runId: row.tr.runId,
    pipelineId: row.pipelineId,
    projectId: row.projectId,
    taskName: row.tr.name,
    reason: why,
    fingerprint: fingerprint({
      reason: why,
      rule: firstError?.rule ?? "none",
      lines: firstError ? [firstError.headline ?? "", firstError.text] : [message ?? ""],
    }),
    firstError,
  };
  await db
    .insert(taskTriage)
    .values(value)
    .onDuplicateKeyUpdate({ set: { taskRunId: sql`${taskTriage.taskRunId}` } });
  const [stored] = await db.select().from(taskTriage).where(eq(taskTriage.taskRunId, taskRunId));
  return stored ?? null;
}

export interface FlakyHistory {
  /** The task failed and passed on the same commit within the window (or passed on a retry). */
  flaky: boolean;
  /** Runs in the window whose failure of the task was on code that also passed. */
  failures: number;
  /** Runs of the task looked at (at most FLAKY_WINDOW). */
  runs: number;
}

/**
 * Whether a task of a pipeline is flaky: in its last FLAKY_WINDOW runs, it failed on unchanged
 * code (the same pipeline version and commit) on which it also passed, or passed only on a
 * retry. The same rule as the analytics page's flaky tasks (server/analytics/maths.ts).
 */
export async function flakyHistory(db: DbOrTx, pipelineId: string, taskName: string): Promise<FlakyHistory> {
  const rows = await db
    .select({
      status: taskRuns.status,
      attempt: taskRuns.attempt,
      version: runs.version,
      sha: sql<string | null>`json_unquote(json_extract(${runs.event}, '$.sha'))`,
    })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .where(and(eq(runs.pipelineId, pipelineId), eq(taskRuns.name, taskName), inArray(taskRuns.status, ["succeeded", "failed"])))
    // Newest first by number, not creation time: (pipeline_id, number) is an index, so the
    // database walks back from the newest run and stops at the window instead of sorting them all.
    .orderBy(desc(runs.number))
    .limit(FLAKY_WINDOW);
  const code = (r: (typeof rows)[number]) => `${r.version} ${r.sha ?? ""}`;
  const passedOn = new Set(rows.filter((r) => r.status === "succeeded").map(code));
  let failures = 0;
  for (const r of rows) {
    if (r.status === "failed" && passedOn.has(code(r))) failures++;
    else if (r.status === "succeeded" && r.attempt > 1) failures++;
  }
  return { flaky: failures > 0, failures, runs: rows.length };
}

export interface SimilarRuns {
  /** Other failed task runs of the project with the same fingerprint. */
  count: number;
  firstSeen: Date | null;
  runs: { runId: string; number: number; pipelineId: string; pipelineName: string; taskName: string; at: Date }[];
}

export async function similarRuns(db: DbOrTx, t: { projectId: string; fingerprint: string; runId: string }): Promise<SimilarRuns> {
  const where = and(eq(taskTriage.projectId, t.projectId), eq(taskTriage.fingerprint, t.fingerprint), ne(taskTriage.runId, t.runId));
  const [[agg], recent] = await Promise.all([
    db
      .select({ n: count(), first: min(taskTriage.createdAt) })
      .from(taskTriage)
      .where(where),
    db
      .select({
        runId: taskTriage.runId,
        number: runs.number,
        pipelineId: taskTriage.pipelineId,
        pipelineName: pipelines.name,
        taskName: taskTriage.taskName,
        at: taskTriage.createdAt,
      })
      .from(taskTriage)
      .innerJoin(runs, eq(runs.id, taskTriage.runId))
      .innerJoin(pipelines, eq(pipelines.id, taskTriage.pipelineId))
      .where(where)
      .orderBy(desc(taskTriage.createdAt))
      .limit(5),
  ]);
  return { count: agg?.n ?? 0, firstSeen: agg?.first ?? null, runs: recent };
}

export interface Triage {
  firstError: FirstError | null;
  reason: FailureReason | null;
  fingerprint: string;
  flaky: FlakyHistory;
  similarRuns: SimilarRuns;
}

/** Triage of each failed task run of a run, by task run id. */
export async function triageOfRun(
  db: DbOrTx,
  store: LogStore,
  run: { id: string; pipelineId: string },
  tasks: Pick<TaskRunRow, "id" | "name" | "status">[],
): Promise<Map<string, Triage>> {
  const failed = tasks.filter((t) => t.status === "failed");
  const out = new Map<string, Triage>();
  if (failed.length === 0) return out;
  const rows = new Map((await db.select().from(taskTriage).where(eq(taskTriage.runId, run.id))).map((r) => [r.taskRunId, r]));
  for (const t of failed) {
    const row = rows.get(t.id) ?? (await triageTaskRun(db, store, t.id));
    if (!row) continue;
    const [flaky, similar] = await Promise.all([
      flakyHistory(db, run.pipelineId, t.name),
      similarRuns(db, { projectId: row.projectId, fingerprint: row.fingerprint, runId: run.id }),
    ]);
    out.set(t.id, {
      firstError: row.firstError ?? null,
      reason: (row.reason as FailureReason | null) ?? null,
      fingerprint: row.fingerprint,
      flaky,
      similarRuns: similar,
    });
  }
  return out;
}

export interface Comparison {
  /** The same task in the last successful run of the same pipeline and ref; null when there is none. */
  baseline: { runId: string; number: number; taskRunId: string; finishedAt: Date | null } | null;
  log: LogDiff | null;
  changes: {
    commits: { sha: string; message: string; author: string; url?: string }[];
    pipelineVersion: { from: number; to: number; diff: SpecDiff } | null;
    templates: { task: string; from: string; to: string }[];
    params: { name: string; from: string | null; to: string | null }[];
    runner: { from: string | null; to: string | null } | null;
    images: { task: string; from: string; to: string }[];
  } | null;
}

type Changes = NonNullable<Comparison["changes"]>;

/** Where a task ran, without what differs every time (a pid, a Job's name): `local on host`, `kubernetes`. */
export function runnerOf(tr: Pick<TaskRunRow, "executorRef">): string | null {
  const ref = tr.executorRef;
  if (!ref) return null;
  const local = /^local:([^:]+):/.exec(ref);
  return local ? `local on ${local[1]}` : "kubernetes";
}

/** A failed task run against the same task in the last green run of its pipeline and ref. */
export async function compareWithLastGreen(db: DbOrTx, store: LogStore, taskRunId: string): Promise<Comparison> {
  const [cur] = await db
    .select({ tr: taskRuns, run: runs })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .where(eq(taskRuns.id, taskRunId));
  if (!cur) return { baseline: null, log: null, changes: null };
  const [base] = await db
    .select({ tr: taskRuns, run: runs })
    .from(runs)
    .innerJoin(taskRuns, and(eq(taskRuns.runId, runs.id), eq(taskRuns.name, cur.tr.name), eq(taskRuns.status, "succeeded")))
    .where(
      and(
        eq(runs.pipelineId, cur.run.pipelineId),
        eq(runs.status, "succeeded"),
        cur.run.ref === null ? sql`${runs.ref} is null` : eq(runs.ref, cur.run.ref),
        lt(runs.number, cur.run.number),
      ),
    )
    .orderBy(desc(runs.number))
    .limit(1);
  if (!base) return { baseline: null, log: null, changes: null };
  const [failedLines, greenLines] = await Promise.all([
    readTail(store, cur.tr.id, cur.tr.logSeq, MAX_LINES + 200),
    readTail(store, base.tr.id, base.tr.logSeq, MAX_LINES + 200),
  ]);
  const versions =
    base.run.version === cur.run.version
      ? null
      : await db
          .select({ version: pipelineVersions.version, spec: pipelineVersions.spec })
          .from(pipelineVersions)
          .where(
            and(
              eq(pipelineVersions.pipelineId, cur.run.pipelineId),
              inArray(pipelineVersions.version, [base.run.version, cur.run.version]),
            ),
          );
  const specOf = (v: number) => versions?.find((x) => x.version === v)?.spec;
  const [fromSpec, toSpec] = [specOf(base.run.version), specOf(cur.run.version)];
  const plans = await db
    .select({ runId: taskRuns.runId, name: taskRuns.name, plan: taskRuns.plan })
    .from(taskRuns)
    .where(inArray(taskRuns.runId, [base.run.id, cur.run.id]));
  const planMap = (runId: string) => new Map(plans.filter((p) => p.runId === runId).map((p) => [p.name, p.plan]));
  const [was, now] = [planMap(base.run.id), planMap(cur.run.id)];
  const templates: Changes["templates"] = [];
  const images: Changes["images"] = [];
  for (const [name, p] of now) {
    const b = was.get(name);
    if (!b) continue;
    const [tf, tt] = [`${b.template}@${b.templateVersion}`, `${p.template}@${p.templateVersion}`];
    if (tf !== tt) templates.push({ task: name, from: tf, to: tt });
    if (b.image !== p.image) images.push({ task: name, from: b.image, to: p.image });
  }
  const secret = new Set([...base.run.secretNames, ...cur.run.secretNames]);
  const shown = (k: string, v: string | undefined) => (v === undefined ? null : secret.has(k) && v ? "***" : v);
  const params = [...new Set([...Object.keys(base.run.params), ...Object.keys(cur.run.params)])]
    .filter((k) => base.run.params[k] !== cur.run.params[k])
    .map((k) => ({ name: k, from: shown(k, base.run.params[k]), to: shown(k, cur.run.params[k]) }));
  const event = cur.run.event as { commits?: Changes["commits"] } | null;
  return {
    baseline: { runId: base.run.id, number: base.run.number, taskRunId: base.tr.id, finishedAt: base.run.finishedAt },
    log: diffLogs(failedLines, greenLines),
    changes: {
      commits: Array.isArray(event?.commits) ? event.commits : [],
      pipelineVersion: fromSpec && toSpec ? { from: base.run.version, to: cur.run.version, diff: diffSpecs(fromSpec, toSpec) } : null,
      templates,
      params,
      runner: runnerOf(base.tr) === runnerOf(cur.tr) ? null : { from: runnerOf(base.tr), to: runnerOf(cur.tr) },
      images,
    },
  };
}

/** The first failed task's first error (or reason), for notifications and commit statuses. */
export async function firstErrorOfRun(
  db: DbOrTx,
  runId: string,
): Promise<{ task: string; taskRunId: string; line: number | null; text: string; reason: FailureReason | null } | null> {
  const [row] = await db
    .select({ task: taskTriage.taskName, taskRunId: taskTriage.taskRunId, firstError: taskTriage.firstError, reason: taskTriage.reason })
    .from(taskTriage)
    .innerJoin(taskRuns, eq(taskRuns.id, taskTriage.taskRunId))
    .where(eq(taskTriage.runId, runId))
    .orderBy(taskRuns.stageIndex, taskRuns.taskIndex)
    .limit(1);
  if (!row || (!row.firstError && !row.reason)) return null;
  return {
    task: row.task,
    taskRunId: row.taskRunId,
    line: row.firstError?.line ?? null,
    text: row.firstError?.text.trim() ?? "",
    reason: (row.reason as FailureReason | null) ?? null,
  };
}

/** Puts each failed task run's triage on a run view (GET /api/v1/runs/{id}, the run page). */
export async function withTriage<
  V extends { id: string; pipelineId: string; stages: { tasks: { id: string; name: string; status: string; triage?: Triage }[] }[] },
>(db: DbOrTx, store: LogStore, view: V): Promise<V> {
  const tasks = view.stages.flatMap((s) => s.tasks);
  const found = await triageOfRun(db, store, view, tasks as Pick<TaskRunRow, "id" | "name" | "status">[]);
  for (const t of tasks) {
    const tr = found.get(t.id);
    if (tr) t.triage = tr;
  }
  return view;
}
