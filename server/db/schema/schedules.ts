import { sql } from "drizzle-orm";
import { boolean, index, int, json, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { pipelines } from "./pipelines";
import { users } from "./users";

export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace";

/**
 * Cron schedules of a pipeline (docs/schedules.md). The operator fires them: `next_at` is the
 * earliest tick not yet handled, claimed under the row lock together with the run it creates.
 */
export const schedules = mysqlTable(
  "schedules",
  {
    id: id().primaryKey(),
    pipelineId: id("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    description: varchar("description", { length: 200 }),
    cron: varchar("cron", { length: 120 }).notNull(),
    /** IANA zone the cron expression is read in ("0 9 * * *" = 09:00 there, DST included). */
    timeZone: varchar("time_zone", { length: 64 }).notNull().default("UTC"),
    /** Run params given to every run it starts (secret ones included: never returned by the API). */
    params: json("params").$type<Record<string, string>>().notNull(),
    concurrencyPolicy: varchar("concurrency_policy", { length: 8 }).$type<ConcurrencyPolicy>().notNull().default("Allow"),
    suspend: boolean("suspend").notNull().default(false),
    /** A tick later than this when the operator gets to it is missed, not fired; null = no deadline. */
    startingDeadlineSeconds: int("starting_deadline_seconds"),
    /** How many finished runs of each kind the schedule lists (runs are never deleted for it). */
    successfulHistoryLimit: int("successful_history_limit").notNull().default(3),
    failedHistoryLimit: int("failed_history_limit").notNull().default(1),
    /** The last tick handled (fired, skipped or missed). */
    lastScheduledAt: ts("last_scheduled_at"),
    /** The next tick to handle, in UTC; null while suspended. */
    nextAt: ts("next_at"),
    /** What happened at the last tick, for the schedule page ("started run #12", "skipped: …"). */
    lastResult: varchar("last_result", { length: 1000 }),
    createdBy: id("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: ts("updated_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [index("schedules_pipeline").on(t.pipelineId), index("schedules_due").on(t.suspend, t.nextAt)],
);

export type ScheduleRow = typeof schedules.$inferSelect;
