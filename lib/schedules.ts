import { CronExpressionParser } from "cron-parser";
import { z } from "zod";

/**
 * Cron maths for pipeline schedules (docs/schedules.md), shared by the server, the operator and
 * the schedule form. Five fields (minute hour day-of-month month day-of-week) or a macro
 * (@hourly, @daily, @weekly, @monthly, @yearly), read in an IANA time zone.
 */

export const CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"] as const;

/** Null when the zone is a real IANA zone (or UTC); the reason otherwise. */
export function timeZoneProblem(tz: string): string | null {
  if (!tz) return "required";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return null;
  } catch {
    return `unknown time zone '${tz}' (use an IANA name such as Europe/Berlin or UTC)`;
  }
}

/** Null when `cron` is a valid five-field expression or macro; the parser's reason otherwise. */
export function cronProblem(cron: string): string | null {
  const expr = cron.trim();
  if (!expr) return "required";
  if (!expr.startsWith("@") && expr.split(/\s+/).length !== 5) {
    return "a cron expression has five fields: minute hour day-of-month month day-of-week (e.g. '0 3 * * *')";
  }
  if (expr === "@reboot") return "@reboot is not a schedule";
  try {
    CronExpressionParser.parse(expr, { tz: "UTC", currentDate: new Date(0) }).next();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

const iterator = (cron: string, tz: string, from: Date) => CronExpressionParser.parse(cron.trim(), { tz, currentDate: from });

/** The first tick strictly after `after`. */
export function nextTick(cron: string, tz: string, after: Date): Date {
  return iterator(cron, tz, after).next().toDate();
}

/** The next `n` ticks strictly after `after`. */
export function nextTicks(cron: string, tz: string, after: Date, n: number): Date[] {
  const it = iterator(cron, tz, after);
  return Array.from({ length: n }, () => it.next().toDate());
}

/** The latest tick at or before `at` (null when there is none in the last 5 years). */
export function latestTickAtOrBefore(cron: string, tz: string, at: Date): Date | null {
  // prev() is strictly before its start, so start one millisecond later.
  try {
    const t = iterator(cron, tz, new Date(at.getTime() + 1))
      .prev()
      .toDate();
    return at.getTime() - t.getTime() > 5 * 366 * 24 * 3600_000 ? null : t;
  } catch {
    return null;
  }
}

/** `2026-03-30 09:00 CEST` — a time as the wall clock of `tz` shows it. */
export function formatInZone(d: Date, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("timeZoneName")}`;
}

const cronField = z
  .string()
  .trim()
  .max(120)
  .superRefine((v, ctx) => {
    const p = cronProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });
const tzField = z
  .string()
  .trim()
  .max(64)
  .superRefine((v, ctx) => {
    const p = timeZoneProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

export const ScheduleBodySchema = z.strictObject({
  cron: cronField.meta({
    description: "five fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly",
  }),
  timeZone: tzField.default("UTC").meta({ description: "IANA time zone the expression is read in, e.g. Europe/Berlin" }),
  description: z.string().trim().max(200).nullish(),
  params: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .default({})
    .meta({
      description: "run params for every run it starts; checked against the pipeline's params",
    }),
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES).default("Allow").meta({
    description:
      "Allow: runs may overlap; Forbid: a tick is skipped while the schedule's previous run is active; Replace: that run is cancelled and a new one starts",
  }),
  suspend: z.boolean().default(false),
  startingDeadlineSeconds: z
    .number()
    .int()
    .min(1)
    .max(366 * 24 * 3600)
    .nullish()
    .meta({
      description: "a tick the operator gets to later than this (it was down) is missed instead of fired; null: no deadline",
    }),
  successfulHistoryLimit: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(3)
    .meta({ description: "succeeded runs the schedule lists (runs are never deleted)" }),
  failedHistoryLimit: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(1)
    .meta({ description: "failed or cancelled runs the schedule lists (runs are never deleted)" }),
});
export type ScheduleBody = z.output<typeof ScheduleBodySchema>;

/** PATCH: any subset of the fields. */
export const ScheduleUpdateSchema = ScheduleBodySchema.partial().extend({
  // No defaults on update: a field left out keeps its value.
  timeZone: tzField.optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES).optional(),
  suspend: z.boolean().optional(),
  successfulHistoryLimit: z.number().int().min(0).max(100).optional(),
  failedHistoryLimit: z.number().int().min(0).max(100).optional(),
});
export type ScheduleUpdate = z.output<typeof ScheduleUpdateSchema>;
