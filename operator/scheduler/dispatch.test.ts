import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/lib/status";
import { dueRuns, planDispatch, type ActiveRun, type SeenRun } from "./dispatch";

const NOW = 1_000_000;
const run = (id: string, rev = 1, status: RunStatus = "running"): ActiveRun => ({ id, rev, status });
const seen = (rev: number, over: Partial<SeenRun> = {}): SeenRun => ({ rev, waitingForCapacity: false, recheckAt: NOW + 5000, ...over });
const ids = (rs: { id: string }[]) => rs.map((r) => r.id);

describe("which active runs are due for an advance", () => {
  it.each([
    { name: "a run never advanced here is due", active: [run("a")], seen: {}, want: ["a"] },
    { name: "a settled run at the same rev is not due before its re-check", active: [run("a", 3)], seen: { a: seen(3) }, want: [] },
    { name: "a settled run whose rev moved is due", active: [run("a", 4)], seen: { a: seen(3) }, want: ["a"] },
    {
      name: "a settled run is due again at its re-check time",
      active: [run("a", 3)],
      seen: { a: seen(3, { recheckAt: NOW }) },
      want: ["a"],
    },
    {
      name: "a run waiting for capacity is due at every tick",
      active: [run("a", 3)],
      seen: { a: seen(3, { waitingForCapacity: true }) },
      want: ["a"],
    },
    {
      name: "moved runs go first, then those waiting for capacity, then re-checks, each oldest first",
      active: [run("recheck", 1), run("waiting", 1), run("moved", 2), run("new")],
      seen: { recheck: seen(1, { recheckAt: NOW - 1 }), waiting: seen(1, { waitingForCapacity: true }), moved: seen(1) },
      want: ["moved", "new", "waiting", "recheck"],
    },
    { name: "a run being advanced is not handed out twice", active: [run("a"), run("b")], seen: {}, advancing: ["a"], want: ["b"] },
    { name: "a run cooling down after a bug is left alone", active: [run("a")], seen: {}, cooldown: { a: NOW + 1 }, want: [] },
    { name: "a run whose cooldown is over is due again", active: [run("a")], seen: {}, cooldown: { a: NOW }, want: ["a"] },
  ])("$name", ({ active, seen: s, advancing = [], cooldown = {}, want }) => {
    const plan = dueRuns({
      active,
      seen: new Map(Object.entries(s)),
      cooldown: new Map(Object.entries(cooldown)),
      advancing: new Set(advancing),
      now: NOW,
    });
    expect(ids(plan.pending)).toEqual(want);
  });

  it("forgets what it knew of runs that are no longer active, and their cooldowns", () => {
    const plan = dueRuns({
      active: [run("a")],
      seen: new Map([["gone", seen(1)]]),
      cooldown: new Map([
        ["ended", NOW + 10_000],
        ["over", NOW - 1],
        ["a", NOW + 10_000],
      ]),
      advancing: new Set(),
      now: NOW,
    });
    expect(plan.forget).toEqual(["gone"]);
    expect(plan.cooled.sort()).toEqual(["ended", "over"]);
  });
});

describe("handing due runs to workers", () => {
  const base = { advancing: [] as string[], seen: {} as Record<string, SeenRun>, workers: 1, concurrency: 4, inFlight: 0, reserved: 0 };
  it.each([
    { name: "one worker takes the first run with all the free capacity", pending: [run("a"), run("b")], want: [["a", 4]], left: ["b"] },
    {
      name: "the free capacity is what runs and what is reserved leave",
      pending: [run("a")],
      inFlight: 1,
      reserved: 2,
      want: [["a", 1]],
      left: [],
    },
    {
      name: "workers share the free capacity, each at least one",
      pending: [run("a"), run("b"), run("c")],
      workers: 3,
      concurrency: 8,
      want: [
        ["a", 2],
        ["b", 2],
        ["c", 1],
      ],
      left: [],
    },
    { name: "busy workers take nothing more", pending: [run("a")], workers: 2, advancing: ["x", "y"], want: [], left: ["a"] },
    {
      name: "a run already being advanced is dropped from the queue",
      pending: [run("x"), run("a")],
      workers: 2,
      advancing: ["x"],
      want: [["a", 2]],
      left: [],
    },
    { name: "without capacity a queued run is passed over", pending: [run("q", 1, "queued")], inFlight: 4, want: [], left: [] },
    {
      name: "without capacity a running run is still advanced (gates, cancels, ends), with nothing to claim",
      pending: [run("a")],
      inFlight: 4,
      want: [["a", 0]],
      left: [],
    },
    {
      name: "without capacity a run known to wait for it at this rev is passed over",
      pending: [run("a", 7)],
      inFlight: 4,
      seen: { a: seen(7, { waitingForCapacity: true }) },
      want: [],
      left: [],
    },
    {
      name: "with capacity a run waiting for it is advanced",
      pending: [run("a", 7)],
      seen: { a: seen(7, { waitingForCapacity: true }) },
      want: [["a", 4]],
      left: [],
    },
  ])("$name", (c) => {
    const s = { ...base, ...c };
    const plan = planDispatch({ ...s, advancing: new Set(s.advancing), seen: new Map(Object.entries(s.seen)) });
    expect(plan.starts.map((x) => [x.run.id, x.capacity])).toEqual(c.want);
    expect(ids(plan.pending)).toEqual(c.left);
  });

  it("never promises more than the free capacity in all when it is plentiful", () => {
    const plan = planDispatch({
      ...base,
      pending: [run("a"), run("b"), run("c")],
      advancing: new Set(),
      seen: new Map(),
      workers: 8,
      concurrency: 10,
    });
    expect(plan.starts.reduce((n, s) => n + s.capacity, 0)).toBeLessThanOrEqual(10);
  });
});
