import { sql } from "drizzle-orm";
import { bigint, boolean, index, int, json, longtext, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { pipelines } from "./pipelines";
import { users } from "./users";
import { schedules } from "./schedules";
import type { RunStatus } from "@/lib/status";
import type { TaskPlan } from "@/lib/plan";
import type { FieldError } from "@/lib/pipeline-spec";

/**
 * What a run of a pipeline kept in its repository was started with, kept until the operator has
 * read the file (server/runs/pending-runs.ts). Param values are all sealed: which are secret is
 * the file's to say.
 */
export interface PendingStart {
  params: Record<string, string>;
  env?: Record<string, string>;
  files?: { env: string; name: string; content: string }[];
}

export const runs = mysqlTable(
  "runs",
  {
    id: id().primaryKey(),
    pipelineId: id("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    number: int("number").notNull(),
    version: int("version").notNull(),
    status: varchar("status", { length: 16 }).$type<RunStatus>().notNull(),
    message: varchar("message", { length: 1000 }),
    /** Why a run failed before any task: the problems of its pipeline file, each with path and line. */
    errors: json("errors").$type<FieldError[]>(),
    /** Set while the run waits for its pipeline file to be read: it has no task runs yet. */
    pendingStart: json("pending_start").$type<PendingStart>(),
    /** The operator reading that file, and since when: another takes over once this lease lapses. */
    resolvingBy: varchar("resolving_by", { length: 100 }),
    resolvingAt: ts("resolving_at"),
    /** Param values as given; secret ones are never returned by the API. */
    params: json("params").$type<Record<string, string>>().notNull(),
    secretNames: json("secret_names").$type<string[]>().notNull(),
    trigger: varchar("trigger", { length: 32 }).notNull().default("manual"),
    /** The branch or tag the run is for (trigger metadata); runs of one ref may queue or replace each other. */
    ref: varchar("ref", { length: 255 }),
    /**
     * What triggered the run, normalised (lib/triggers.ts: provider, ref, sha, author…), with the
     * commits since the last successful run of the same ref and the issue keys in them.
     */
    event: json("event").$type<Record<string, unknown>>(),
    /** The schedule that started it, if any. */
    scheduleId: id("schedule_id").references(() => schedules.id, { onDelete: "set null" }),
    /** The run this one re-runs, if any. */
    rerunOf: id("rerun_of"),
    /**
     * Who gets capacity first within the run's project when it is short (-100..100, higher first;
     * the pipeline's `priority` or the start request's): operator/scheduler/dispatch.ts.
     */
    priority: int("priority").notNull().default(0),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    /** When the cancel was asked for: the run's `finally` tasks may run for a grace period after it (lib/run-outcome.ts). */
    cancelRequestedAt: ts("cancel_requested_at"),
    /** Bumped on every change of the run or one of its task runs; SSE watchers poll it. */
    rev: int("rev").notNull().default(0),
    createdBy: id("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    uniqueIndex("runs_pipeline_number").on(t.pipelineId, t.number),
    index("runs_status").on(t.status),
    // The cross-pipeline Runs page lists newest first.
    index("runs_created_at").on(t.createdAt),
    // Concurrency limits count a pipeline's active runs; schedules list and check their own.
    index("runs_pipeline_status").on(t.pipelineId, t.status),
    index("runs_schedule").on(t.scheduleId),
    // The scheduler's listing: a project's queued runs by priority, then age (listActiveRuns).
    index("runs_queue").on(t.status, t.priority, t.createdAt),
    // Run retention walks a pipeline's finished runs oldest first, and counts back `keep` from the newest.
    index("runs_pipeline_finished").on(t.pipelineId, t.finishedAt),
  ],
);

export const taskRuns = mysqlTable(
  "task_runs",
  {
    id: id().primaryKey(),
    runId: id("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    stageIndex: int("stage_index").notNull(),
    stageName: varchar("stage_name", { length: 63 }).notNull(),
    stageMode: varchar("stage_mode", { length: 16 }).$type<"sequential" | "parallel">().notNull(),
    taskIndex: int("task_index").notNull(),
    /** The task's name, or for one combination of a matrix task `build (NODE=20, OS=linux)`. */
    name: varchar("name", { length: 255 }).notNull(),
    status: varchar("status", { length: 16 }).$type<RunStatus>().notNull(),
    message: varchar("message", { length: 1000 }),
    exitCode: int("exit_code"),
    attempt: int("attempt").notNull().default(0),
    /** The resolved task: command, env, timeout, retries. Frozen when the run is created. */
    plan: json("plan").$type<TaskPlan>().notNull(),
    /** A re-run's task whose result was taken from this earlier task run instead of running again. */
    reusedFrom: id("reused_from"),
    /** Which operator instance runs it, and its handle there (pid, BuildJob name). */
    claimedBy: varchar("claimed_by", { length: 100 }),
    executorRef: varchar("executor_ref", { length: 253 }),
    /** Highest log sequence number stored; lets readers know where the log ends. */
    logSeq: bigint("log_seq", { mode: "number" }).notNull().default(0),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    /** What the task wrote to `$GANTRY_RESULTS` (declared names only), for later tasks and the run page. */
    results: json("results").$type<Record<string, string>>(),
    /** An approval gate whose approvers' mails were queued (server/approvals/notify.ts), once across replicas. */
    notifiedAt: ts("notified_at"),
    updatedAt: ts("updated_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index("task_runs_run").on(t.runId), index("task_runs_status").on(t.status)],
);

/** Bulk log store: lines of one task run in batches, ordered by sequence number. */
export const logChunks = mysqlTable(
  "log_chunks",
  {
    id: bigint("id", { mode: "number" }).autoincrement().primaryKey(),
    taskRunId: id("task_run_id")
      .notNull()
      .references(() => taskRuns.id, { onDelete: "cascade" }),
    seqStart: bigint("seq_start", { mode: "number" }).notNull(),
    seqEnd: bigint("seq_end", { mode: "number" }).notNull(),
    /** JSON array of [seq, epochMillis, stream, text] tuples. */
    data: longtext("data").notNull(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("log_chunks_task_seq").on(t.taskRunId, t.seqStart)],
);

/** Live operator instances; a stale heartbeat means its in-flight task runs are orphaned. */
export const operators = mysqlTable("operators", {
  id: varchar("id", { length: 100 }).primaryKey(),
  hostname: varchar("hostname", { length: 253 }).notNull(),
  pid: int("pid").notNull(),
  startedAt: ts("started_at").notNull(),
  heartbeatAt: ts("heartbeat_at").notNull(),
});

export type RunRow = typeof runs.$inferSelect;
export type TaskRunRow = typeof taskRuns.$inferSelect;
