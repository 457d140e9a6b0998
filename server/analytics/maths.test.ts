import { describe, expect, it } from "vitest";
import { DAY_MS, dailyBuckets, flakyTasks, percentile, slowestTasks, summarize, type RunRow, type TaskRow } from "./maths";

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

describe("percentile", () => {
  it("interpolates between the closest ranks", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([10], 95)).toBe(10);
    expect(
      percentile(
        Array.from({ length: 101 }, (_, i) => i),
        95,
      ),
    ).toBe(95);
    expect(percentile([0, 100], 95)).toBe(95);
    expect(percentile([], 50)).toBeNull();
  });
});

const run = (id: string, status: string, created: number, queueMs: number, durMs: number, version = 1): RunRow => ({
  id,
  pipelineId: "p",
  version,
  status,
  createdAt: created,
  startedAt: created + queueMs,
  finishedAt: created + queueMs + durMs,
});

describe("summaries and daily buckets", () => {
  const runs = [
    run("a", "succeeded", T0, 1000, 10_000),
    run("b", "failed", T0 + 1000, 3000, 20_000),
    run("c", "cancelled", T0 + 2000, 2000, 30_000),
    run("d", "succeeded", T0 + 2 * DAY_MS, 500, 40_000),
  ];

  it("success rate leaves cancelled runs out; durations and queue times are percentiles", () => {
    const s = summarize(runs);
    expect(s).toMatchObject({ runs: 4, succeeded: 2, failed: 1, cancelled: 1 });
    expect(s.successRate).toBeCloseTo(2 / 3);
    expect(s.durationP50).toBe(25_000);
    expect(s.queueP50).toBe(1500);
  });

  it("one bucket per UTC day, empty days included", () => {
    const days = dailyBuckets(runs, T0 - DAY_MS, T0 + 2 * DAY_MS);
    expect(days.map((d) => d.day)).toEqual(["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"]);
    expect(days[0]).toMatchObject({ runs: 0, successRate: null, durationP50: null });
    expect(days[1]).toMatchObject({
      runs: 3,
      succeeded: 1,
      failed: 1,
      cancelled: 1,
      successRate: 0.5,
      durationP50: 20_000,
      queueP95: 2900,
    });
    expect(days[3]).toMatchObject({ runs: 1, successRate: 1, durationP95: 40_000, queueP50: 500 });
  });
});

const task = (
  name: string,
  status: string,
  o: { version?: number; attempt?: number; ms?: number; at?: number; run?: string } = {},
): TaskRow => ({
  runId: o.run ?? `${name}-${o.at ?? 0}`,
  pipelineId: "p",
  version: o.version ?? 1,
  stageName: "s",
  name,
  status,
  attempt: o.attempt ?? 1,
  startedAt: T0 + (o.at ?? 0),
  finishedAt: T0 + (o.at ?? 0) + (o.ms ?? 1000),
  runCreatedAt: T0 + (o.at ?? 0),
});

describe("slowest tasks", () => {
  it("ranks by median duration, skipping tasks that never ran", () => {
    const out = slowestTasks([
      task("quick", "succeeded", { ms: 1000 }),
      task("slow", "succeeded", { ms: 60_000, at: 1 }),
      task("slow", "failed", { ms: 20_000, at: 2 }),
      task("mid", "succeeded", { ms: 30_000 }),
      { ...task("never", "skipped"), startedAt: null, finishedAt: null },
    ]);
    expect(out.map((t) => [t.name, t.p50, t.runs])).toEqual([
      ["slow", 40_000, 2],
      ["mid", 30_000, 1],
      ["quick", 1000, 1],
    ]);
    expect(out[0].max).toBe(60_000);
  });
});

describe("flaky tasks", () => {
  it("counts failures on a version that also passed, and successes after a retry", () => {
    const out = flakyTasks([
      // flip-flops on version 1: 2 flaky failures, 3 flips
      task("e2e", "succeeded", { at: 1 }),
      task("e2e", "failed", { at: 2 }),
      task("e2e", "succeeded", { at: 3 }),
      task("e2e", "failed", { at: 4 }),
      // broken by version 2 and fixed by version 3: a real failure, not flakiness
      task("lint", "succeeded", { version: 1, at: 1 }),
      task("lint", "failed", { version: 2, at: 2 }),
      task("lint", "failed", { version: 2, at: 3 }),
      task("lint", "succeeded", { version: 3, at: 4 }),
      // green, but only on the second attempt once out of two
      task("deploy", "succeeded", { attempt: 2, at: 1 }),
      task("deploy", "succeeded", { attempt: 1, at: 2 }),
      // cancelled runs say nothing
      task("build", "succeeded", { at: 1 }),
      task("build", "cancelled", { at: 2 }),
    ]);
    // Same rate: more flaky outcomes first.
    expect(out.map((t) => t.name)).toEqual(["e2e", "deploy"]);
    expect(out[0]).toMatchObject({ runs: 4, failures: 2, flakyFailures: 2, retriedSuccesses: 0, flips: 3, flakeRate: 0.5 });
    expect(out[1]).toMatchObject({ runs: 2, failures: 0, flakyFailures: 0, retriedSuccesses: 1, flakeRate: 0.5 });
  });
});
