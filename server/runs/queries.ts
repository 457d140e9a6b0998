import type { Triage } from "../triage/triage";
import { count, desc, eq, inArray } from "drizzle-orm";
import { retryPolicy } from "@/lib/retry-policy";
import type { FieldError } from "@/lib/pipeline-spec";
import type { RunStatus } from "@/lib/status";
import { notFound } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, taskRuns, users, type TaskRunRow } from "../db/schema";
import { decisionsOf } from "../approvals/decisions";
import { approvalState, type ApprovalState } from "../approvals/gate";

export interface TaskRunView {
  id: string;
  name: string;
  template: string;
  status: RunStatus;
  exitCode: number | null;
  attempt: number;
  maxAttempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  message: string | null;
  /** Re-runs: the earlier task run whose result this one took over instead of running. */
  reusedFrom: string | null;
  /** Approval gates only: approvers, quorum, deadline and the decisions so far. */
  approval?: ApprovalState;
  /** What the task wrote to `$GANTRY_RESULTS` (declared names), once it has ended; {} before. */
  results: Record<string, string>;
  /** The conditions the task ran under (stage's, then task's), when it has any. */
  when?: { expr: string; from: "stage" | "task" }[];
  /** One combination of a matrix task: the task's name and this combination's values. */
  matrix?: { task: string; values: Record<string, string> };
  /** Failed task runs: why (server/triage). */
  triage?: Triage;
}
export interface StageView {
  /** The run's `finally` tasks form the last stage, marked so. */
  finally?: boolean;
  name: string;
  mode: "sequential" | "parallel";
  status: RunStatus;
  tasks: TaskRunView[];
}
export interface RunView {
  id: string;
  pipelineId: string;
  pipelineName: string;
  number: number;
  version: number;
  status: RunStatus;
  message: string | null;
  /** The problems of the pipeline file a run failed on before any task. */
  errors?: FieldError[];
  params: Record<string, string>;
  trigger: string;
  /** Branch or tag the run is for, if given. */
  ref: string | null;
  scheduleId: string | null;
  /** The run this one re-runs. */
  /** Its place in the project's queue (-100..100, higher first). */
  priority: number;
  rerunOf: { id: string; number: number } | null;
  /** The trigger event of a webhook-started run (provider, ref, sha, commits, issue keys). */
  event: RunEvent | null;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  rev: number;
  stages: StageView[];
}

export function stageStatus(tasks: { status: RunStatus }[]): RunStatus {
  const has = (s: RunStatus) => tasks.some((t) => t.status === s);
  if (has("running")) return "running";
  if (has("waiting")) return "waiting";
  if (has("failed")) return "failed";
  if (has("cancelled")) return "cancelled";
  if (tasks.every((t) => t.status === "skipped")) return "skipped";
  if (tasks.every((t) => t.status === "succeeded" || t.status === "skipped")) return "succeeded";
  if (has("succeeded")) return "running";
  return "queued";
}

export function toTaskRunView(t: TaskRunRow, decisions: Parameters<typeof approvalState>[2] = []): TaskRunView {
  return {
    ...(t.plan.gate ? { approval: approvalState(t.plan.gate, t.startedAt, decisions) } : {}),
    id: t.id,
    name: t.name,
    template: t.plan.template,
    status: t.status,
    exitCode: t.exitCode,
    attempt: t.attempt,
    maxAttempts: retryPolicy(t.plan).maxAttempts,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    message: t.message,
    reusedFrom: t.reusedFrom ?? null,
    results: t.results ?? {},
    ...(t.plan.when ? { when: t.plan.when.conditions } : {}),
    ...(t.plan.matrix ? { matrix: { task: t.plan.matrix.task, values: t.plan.matrix.values } } : {}),
  };
}

export async function getRunView(db: DbOrTx, id: string): Promise<RunView> {
  const [row] = await db
    .select({ r: runs, pipelineName: pipelines.name, createdBy: users.username })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, runs.createdBy))
    .where(eq(runs.id, id));
  if (!row) throw notFound("run", id);
  const trs = await db.select().from(taskRuns).where(eq(taskRuns.runId, id));
  trs.sort((a, b) => a.stageIndex - b.stageIndex || a.taskIndex - b.taskIndex);
  const decisions = await decisionsOf(
    db,
    trs.filter((t) => t.plan.gate).map((t) => t.id),
  );
  const stages: StageView[] = [];
  for (const t of trs) {
    let s = stages[t.stageIndex];
    if (!s)
      s = stages[t.stageIndex] = {
        ...(t.plan.finally ? { finally: true } : {}),
        name: t.stageName,
        mode: t.stageMode,
        status: "queued",
        tasks: [],
      };
    s.tasks.push(
      toTaskRunView(
        t,
        decisions.filter((d) => d.taskRunId === t.id),
      ),
    );
  }
  for (const s of stages) s.status = stageStatus(s.tasks);
  const r = row.r;
  const [source] = r.rerunOf ? await db.select({ id: runs.id, number: runs.number }).from(runs).where(eq(runs.id, r.rerunOf)) : [];
  return {
    id: r.id,
    pipelineId: r.pipelineId,
    pipelineName: row.pipelineName,
    number: r.number,
    version: r.version,
    status: r.status,
    message: r.message,
    ...(r.errors?.length ? { errors: r.errors } : {}),
    params: maskParams(r.params, r.secretNames),
    trigger: r.trigger,
    priority: r.priority,
    ref: r.ref,
    scheduleId: r.scheduleId,
    rerunOf: source ?? null,
    event: runEvent(r.event),
    createdBy: row.createdBy,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    rev: r.rev,
    stages: stages.filter(Boolean),
  };
}

export interface RunEvent {
  provider: string;
  type: string;
  ref: string | null;
  sha: string | null;
  author: string | null;
  image: string | null;
  mrIid: number | null;
  title: string | null;
  commits: { sha: string; message: string; author: string; url?: string }[];
  issueKeys: string[];
}

/** The stored event as the API shows it: what the run page lists, not the raw payload. */
function runEvent(e: Record<string, unknown> | null): RunEvent | null {
  if (!e) return null;
  const s = (k: string) => (typeof e[k] === "string" ? (e[k] as string) : null);
  return {
    provider: s("provider") ?? "",
    type: s("type") ?? "",
    ref: s("ref"),
    sha: s("sha"),
    author: s("author"),
    image: s("image"),
    mrIid: typeof e.mrIid === "number" ? e.mrIid : null,
    title: s("title"),
    commits: Array.isArray(e.commits) ? (e.commits as RunEvent["commits"]) : [],
    issueKeys: Array.isArray(e.issueKeys) ? (e.issueKeys as string[]) : [],
  };
}

/** Secret param values never leave the server. */
export function maskParams(params: Record<string, string>, secrets: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, secrets.includes(k) && v ? "***" : v]));
}

export interface RunSummary {
  id: string;
  number: number;
  version: number;
  status: RunStatus;
  message: string | null;
  trigger: string;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The columns of a RunSummary; list queries add their own (pipeline name…) to it. */
export const runSummaryColumns = {
  id: runs.id,
  number: runs.number,
  version: runs.version,
  status: runs.status,
  message: runs.message,
  trigger: runs.trigger,
  createdBy: users.username,
  createdAt: runs.createdAt,
  startedAt: runs.startedAt,
  finishedAt: runs.finishedAt,
};

export async function listRuns(
  db: DbOrTx,
  pipelineId: string,
  page = 1,
  perPage = 20,
): Promise<{ items: RunSummary[]; total: number; page: number; perPage: number }> {
  const [p] = await db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.id, pipelineId));
  if (!p) throw notFound("pipeline", pipelineId);
  const [{ n }] = await db.select({ n: count() }).from(runs).where(eq(runs.pipelineId, pipelineId));
  const items = await db
    .select(runSummaryColumns)
    .from(runs)
    .leftJoin(users, eq(users.id, runs.createdBy))
    .where(eq(runs.pipelineId, pipelineId))
    .orderBy(desc(runs.number))
    .limit(perPage)
    .offset((page - 1) * perPage);
  return { items, total: Number(n), page, perPage };
}

export async function getTaskRun(db: DbOrTx, id: string): Promise<TaskRunRow> {
  const [t] = await db.select().from(taskRuns).where(eq(taskRuns.id, id));
  if (!t) throw notFound("task run", id);
  return t;
}

/** Cheap poll target for live views: changes whenever the run or a task run changes. */
export async function getRunRev(db: DbOrTx, id: string): Promise<{ rev: number; status: RunStatus } | null> {
  const [r] = await db.select({ rev: runs.rev, status: runs.status }).from(runs).where(eq(runs.id, id));
  return r ?? null;
}

export interface TaskRunProgress {
  status: RunStatus;
  /** The last stored log line's sequence number. */
  logSeq: number;
}

/** How far a task run has got: its status and its last stored log line. */
export async function getTaskRunProgress(db: DbOrTx, id: string): Promise<TaskRunProgress | null> {
  const [r] = await db.select({ status: taskRuns.status, logSeq: taskRuns.logSeq }).from(taskRuns).where(eq(taskRuns.id, id));
  return r ?? null;
}

/** The progress of many task runs in one read; ids not found are missing from the map. */
export async function getTaskRunsProgress(db: DbOrTx, ids: string[]): Promise<Map<string, TaskRunProgress>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: taskRuns.id, status: taskRuns.status, logSeq: taskRuns.logSeq })
    .from(taskRuns)
    .where(inArray(taskRuns.id, ids));
  return new Map(rows.map((r) => [r.id, { status: r.status, logSeq: r.logSeq }]));
}
