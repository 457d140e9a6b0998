import { sql } from "drizzle-orm";
import { index, json, longtext, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { pipelines } from "./pipelines";
import { runs } from "./runs";

/**
 * Every webhook delivery to a pipeline: headers (credentials removed), payload, what Gantry did
 * with it (`result`) and the run it started. A provider's delivery id is unique per pipeline, so a
 * redelivery is recognised; replays are new rows pointing at the original.
 */
export const webhookDeliveries = mysqlTable(
  "webhook_deliveries",
  {
    id: id().primaryKey(),
    pipelineId: id("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    provider: varchar("provider", { length: 16 }).notNull(),
    deliveryId: varchar("delivery_id", { length: 200 }).notNull(),
    /** The provider's event name (X-GitHub-Event, object_kind…). */
    event: varchar("event", { length: 64 }),
    headers: json("headers").$type<Record<string, string>>().notNull(),
    payload: longtext("payload").notNull(),
    /** accepted | skipped | rejected | failed */
    result: varchar("result", { length: 16 }).notNull(),
    message: varchar("message", { length: 1000 }),
    runId: id("run_id").references(() => runs.id, { onDelete: "set null" }),
    replayOf: id("replay_of"),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_dedupe").on(t.pipelineId, t.provider, t.deliveryId),
    index("webhook_deliveries_pipeline_time").on(t.pipelineId, t.createdAt),
  ],
);
