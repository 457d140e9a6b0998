import { sql } from "drizzle-orm";
import { index, json, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { pipelines } from "./pipelines";
import { projects } from "./projects";
import { runs, taskRuns } from "./runs";
import type { FirstError } from "@/server/triage/first-error";

/**
 * Why a failed task run failed (server/triage, docs/triage.md): the line that explains it, the
 * Kubernetes reason, and a fingerprint that finds the same failure in other runs of the project.
 * Written once, after the task run ends.
 */
export const taskTriage = mysqlTable(
  "task_triage",
  {
    taskRunId: id("task_run_id")
      .primaryKey()
      .references(() => taskRuns.id, { onDelete: "cascade" }),
    runId: id("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    pipelineId: id("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    projectId: id("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    taskName: varchar("task_name", { length: 255 }).notNull(),
    /** OOMKilled, ImagePullBackOff, DeadlineExceeded, Evicted, Unschedulable: says more than any line. */
    reason: varchar("reason", { length: 32 }),
    fingerprint: varchar("fingerprint", { length: 16 }).notNull(),
    firstError: json("first_error").$type<FirstError>(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index("task_triage_run").on(t.runId), index("task_triage_fingerprint").on(t.projectId, t.fingerprint, t.createdAt)],
);

export type TaskTriageRow = typeof taskTriage.$inferSelect;
