import { describe, expect, it } from "vitest";
import { formatClock, formatDuration, formatRelative } from "./time";

describe("time formatting", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");

  it("says how long ago, in the largest unit that fits", () => {
    expect(formatRelative(now - 3_000, now)).toBe("just now");
    expect(formatRelative(now - 42_000, now)).toBe("42 s ago");
    expect(formatRelative(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(formatRelative(now - 3 * 3600_000, now)).toBe("3 h ago");
    expect(formatRelative(now - 86400_000, now)).toBe("1 day ago");
    expect(formatRelative(now - 3 * 86400_000, now)).toBe("3 days ago");
    expect(formatRelative(new Date(now + 120_000).toISOString(), now)).toBe("in 2 min");
  });

  it("shows durations from milliseconds to hours", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
    expect(formatDuration(-5)).toBe("0 ms");
  });

  it("gives log lines a clock time with milliseconds", () => {
    expect(formatClock(Date.parse("2025-03-01T12:00:07.045Z"))).toMatch(/\d\d:\d\d:07\.045$/);
  });
});
