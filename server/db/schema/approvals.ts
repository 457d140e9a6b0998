import { sql } from "drizzle-orm";
import { index, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { taskRuns } from "./runs";
import { users } from "./users";

/** Decisions on manual-approval gates; one per approver and task run, never changed. */
export const approvals = mysqlTable(
  "approvals",
  {
    id: id().primaryKey(),
    taskRunId: id("task_run_id")
      .notNull()
      .references(() => taskRuns.id, { onDelete: "cascade" }),
    userId: id("user_id").references(() => users.id, { onDelete: "set null" }),
    username: varchar("username", { length: 64 }).notNull(),
    decision: varchar("decision", { length: 8 }).$type<"approve" | "deny">().notNull(),
    comment: varchar("comment", { length: 2000 }),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("approvals_task_user").on(t.taskRunId, t.userId), index("approvals_task").on(t.taskRunId)],
);
