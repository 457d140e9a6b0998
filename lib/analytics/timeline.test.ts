import { describe, expect, it } from "vitest";
import { niceMax } from "./scale";
import { timeline, timeTicks } from "./timeline";

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s)).toISOString();

describe("run timeline", () => {
  it("a task waits for what it depends on, then runs; a running task ends now", () => {
    const { rows, from, to } = timeline(
      {
        createdAt: at(0),
        startedAt: at(2),
        finishedAt: null,
        stages: [
          {
            name: "build",
            mode: "sequential",
            tasks: [
              { id: "a", name: "a", status: "succeeded", startedAt: at(2), finishedAt: at(10) },
              { id: "b", name: "b", status: "succeeded", startedAt: at(11), finishedAt: at(20) },
            ],
          },
          {
            name: "test",
            mode: "parallel",
            tasks: [
              { id: "c", name: "c", status: "failed", startedAt: at(21), finishedAt: at(25) },
              { id: "d", name: "d", status: "running", startedAt: at(23), finishedAt: null },
            ],
          },
          { name: "deploy", mode: "sequential", tasks: [{ id: "e", name: "e", status: "queued", startedAt: null, finishedAt: null }] },
        ],
      },
      new Date(at(30)).getTime(),
    );
    const s = (ms: number | null) => (ms === null ? null : (ms - from) / 1000);
    expect(rows.map((r) => [r.id, s(r.ready), s(r.start), s(r.end), r.open])).toEqual([
      ["a", 0, 2, 10, false],
      ["b", 10, 11, 20, false],
      ["c", 20, 21, 25, false],
      ["d", 20, 23, 30, true],
      ["e", null, null, null, false],
    ]);
    expect(s(to)).toBe(30);
  });

  it("ticks fall on round steps", () => {
    expect(timeTicks(30_000)).toEqual([0, 5000, 10000, 15000, 20000, 25000, 30000]);
    expect(timeTicks(4 * 60_000).length).toBeLessThanOrEqual(7);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(1800)).toBe(2000);
    expect(niceMax(240)).toBe(250);
  });
});
