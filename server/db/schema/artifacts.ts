import { sql } from "drizzle-orm";
import { bigint, index, int, mysqlTable, text, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { pipelines } from "./pipelines";
import { runs, taskRuns } from "./runs";

/**
 * Files a run uploaded to Gantry's artifact store (the object store under
 * `<project>/<pipeline>/<run>/`): listed on the run page and downloaded through Gantry, which
 * checks the reader's permission; the store's credentials never reach the browser.
 */
export const artifacts = mysqlTable(
  "artifacts",
  {
    id: id().primaryKey(),
    runId: id("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    taskRunId: id("task_run_id").references(() => taskRuns.id, { onDelete: "set null" }),
    /** The file's path as the task named it, relative to its upload root (`dist/app.tgz`). */
    name: varchar("name", { length: 512 }).notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    contentType: varchar("content_type", { length: 255 }),
    sha256: varchar("sha256", { length: 64 }),
    /** The object's key in the store. */
    storageKey: varchar("storage_key", { length: 1024 }).notNull(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index("artifacts_run").on(t.runId, t.name)],
);

/**
 * One test case of a run's test reports (JUnit XML a task declared with `reports`), for the run
 * page's test list and the per-test history across runs on the analytics page.
 */
export const testCases = mysqlTable(
  "test_cases",
  {
    id: bigint("id", { mode: "number" }).autoincrement().primaryKey(),
    runId: id("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    taskRunId: id("task_run_id").references(() => taskRuns.id, { onDelete: "set null" }),
    pipelineId: id("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    suite: varchar("suite", { length: 255 }).notNull(),
    classname: varchar("classname", { length: 512 }).notNull(),
    name: varchar("name", { length: 512 }).notNull(),
    /** sha256 of classname + NUL + name: the test's identity across runs (indexed; names are long). */
    testKey: varchar("test_key", { length: 64 }).notNull(),
    status: varchar("status", { length: 8 }).$type<"passed" | "failed" | "error" | "skipped">().notNull(),
    durationMs: int("duration_ms"),
    /** The failure's message and text (truncated), for failed and errored tests. */
    failure: text("failure"),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index("test_cases_run").on(t.runId, t.status), index("test_cases_history").on(t.pipelineId, t.testKey, t.createdAt)],
);
