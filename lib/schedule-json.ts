import { z } from "zod";
import { CONCURRENCY_POLICIES } from "./schedules";
import { RunStatusSchema } from "./status";

/** Schedule responses of REST API v1 (request bodies: lib/schedules.ts). */

const dateTime = () => z.string().meta({ format: "date-time" });

export const ScheduleRunRefSchema = z.object({
  id: z.string(),
  number: z.number().int(),
  status: RunStatusSchema,
  createdAt: dateTime(),
  finishedAt: dateTime().nullable(),
});

export const ScheduleSchema = z.object({
  id: z.string(),
  pipelineId: z.string(),
  description: z.string().nullable(),
  cron: z.string(),
  timeZone: z.string(),
  params: z.record(z.string(), z.string()).meta({ description: "secret params show as ***; sending *** back keeps the stored value" }),
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES),
  suspend: z.boolean(),
  startingDeadlineSeconds: z.number().int().nullable(),
  successfulHistoryLimit: z.number().int(),
  failedHistoryLimit: z.number().int(),
  lastScheduledAt: dateTime().nullable().meta({ description: "the last tick handled (fired, skipped or missed)" }),
  nextAt: dateTime().nullable().meta({ description: "the next tick, UTC; null while suspended" }),
  upcoming: z.array(dateTime()).meta({ description: "the next three ticks, UTC" }),
  lastResult: z.string().nullable().meta({ description: "what happened at the last tick" }),
  createdBy: z.string().nullable(),
  createdAt: dateTime(),
  updatedAt: dateTime(),
  active: z.array(ScheduleRunRefSchema).meta({ description: "its queued, running or waiting runs" }),
  succeeded: z.array(ScheduleRunRefSchema).meta({ description: "its last successfulHistoryLimit succeeded runs, newest first" }),
  failed: z.array(ScheduleRunRefSchema).meta({ description: "its last failedHistoryLimit failed or cancelled runs, newest first" }),
});
export type ScheduleJson = z.input<typeof ScheduleSchema>;
export const ScheduleListSchema = z.object({ items: z.array(ScheduleSchema) });
