import { sql } from "drizzle-orm";
import { index, int, mysqlTable, text, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { runs } from "./runs";

/**
 * Outbox of run notifications: rows are written in the same transaction as the run's status
 * change, then sent by the operator with retries, so a notification is neither lost when a send
 * fails nor sent twice by two operators (rows are claimed with SKIP LOCKED).
 */
export const notificationOutbox = mysqlTable(
  "notification_outbox",
  {
    id: id().primaryKey(),
    runId: id("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    /** failure | success | fixed | waiting | approval */
    event: varchar("event", { length: 16 }).notNull(),
    /** For `approval`: the gate's task run, whose approvers the mail asks. */
    taskRunId: id("task_run_id"),
    /** email | webhook | slack | dingtalk | wecom */
    channel: varchar("channel", { length: 16 }).notNull(),
    target: varchar("target", { length: 2000 }).notNull(),
    /** pending | sent | failed */
    status: varchar("status", { length: 16 }).notNull().default("pending"),
    attempts: int("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    lastError: text("last_error"),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    sentAt: ts("sent_at"),
  },
  (t) => [index("notification_outbox_due").on(t.status, t.nextAttemptAt), index("notification_outbox_run").on(t.runId)],
);
