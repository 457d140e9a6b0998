import { describe, expect, it } from "vitest";
import { cronProblem, formatInZone, latestTickAtOrBefore, nextTick, nextTicks, ScheduleBodySchema, timeZoneProblem } from "./schedules";

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe("cron maths", () => {
  it("reads the expression in the schedule's time zone", () => {
    // 09:00 in Berlin on weekdays: 08:00 UTC in winter (CET), 07:00 UTC in summer (CEST).
    expect(iso(nextTick("0 9 * * 1-5", "Europe/Berlin", new Date("2026-01-09T12:00:00Z")))).toBe("2026-01-12T08:00:00.000Z");
    expect(iso(nextTick("0 9 * * 1-5", "Europe/Berlin", new Date("2026-07-10T12:00:00Z")))).toBe("2026-07-13T07:00:00.000Z");
    expect(iso(nextTick("0 9 * * *", "UTC", new Date("2026-07-10T12:00:00Z")))).toBe("2026-07-11T09:00:00.000Z");
  });

  it("crosses daylight-saving changes at the wall-clock time", () => {
    // Europe/Berlin switches to summer time on 2026-03-29: 02:00 → 03:00.
    const ticks = nextTicks("30 1 * * *", "Europe/Berlin", new Date("2026-03-27T12:00:00Z"), 3).map(iso);
    expect(ticks).toEqual(["2026-03-28T00:30:00.000Z", "2026-03-29T00:30:00.000Z", "2026-03-29T23:30:00.000Z"]);
    // America/New_York: 12:00 local is 17:00 UTC in winter and 16:00 UTC in summer.
    expect(iso(nextTick("0 12 * * *", "America/New_York", new Date("2026-03-07T18:00:00Z")))).toBe("2026-03-08T16:00:00.000Z");
  });

  it("finds the latest tick at or before a moment", () => {
    expect(iso(latestTickAtOrBefore("*/5 * * * *", "UTC", new Date("2026-05-01T10:07:30Z")))).toBe("2026-05-01T10:05:00.000Z");
    expect(iso(latestTickAtOrBefore("*/5 * * * *", "UTC", new Date("2026-05-01T10:05:00Z")))).toBe("2026-05-01T10:05:00.000Z");
    expect(iso(latestTickAtOrBefore("0 0 1 1 *", "Asia/Tokyo", new Date("2026-05-01T00:00:00Z")))).toBe("2025-12-31T15:00:00.000Z");
  });

  it("accepts macros and explains what is wrong with a bad expression", () => {
    expect(cronProblem("@daily")).toBeNull();
    expect(cronProblem("*/15 2-4 * * MON")).toBeNull();
    expect(cronProblem("* * *")).toMatch(/five fields/);
    expect(cronProblem("61 * * * *")).toMatch(/0-59/);
    expect(cronProblem("")).toBe("required");
    expect(timeZoneProblem("Europe/Berlin")).toBeNull();
    expect(timeZoneProblem("Mars/Olympus")).toMatch(/unknown time zone/);
  });

  it("formats a time as the zone's wall clock", () => {
    expect(formatInZone(new Date("2026-07-13T07:00:00Z"), "Europe/Berlin")).toBe("2026-07-13 09:00 GMT+2");
    expect(formatInZone(new Date("2026-07-13T07:00:00Z"), "UTC")).toBe("2026-07-13 07:00 UTC");
  });

  it("validates a schedule body at the boundary, with defaults as in a CronJob", () => {
    expect(ScheduleBodySchema.parse({ cron: "0 3 * * *" })).toMatchObject({
      timeZone: "UTC",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulHistoryLimit: 3,
      failedHistoryLimit: 1,
      params: {},
    });
    const bad = ScheduleBodySchema.safeParse({ cron: "0 25 * * *", timeZone: "Nowhere/City", concurrencyPolicy: "Sometimes" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(["cron", "timeZone", "concurrencyPolicy"]);
  });
});
