import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/lib/status";
import { dueRuns, planDispatch, type ActiveRun, type DispatchInput, type SeenRun } from "./dispatch";

const NOW = 1_000_000;
/** Each run made is a millisecond younger than the one before. */
let clock = 0;
const run = (id: string, rev = 1, status: RunStatus = "running", over: Partial<ActiveRun> = {}): ActiveRun => ({
  id,
  rev,
  status,
  projectId: "p",
  priority: 0,
  createdAt: ++clock,
  ...over,
});
const queued = (id: string, projectId: string, priority = 0) => run(id, 1, "queued", { projectId, priority });
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
      name: "runs that may claim work (moved, new, waiting for capacity) go first, oldest first, then re-checks",
      active: [run("recheck", 1), run("waiting", 1), run("moved", 2), run("new")],
      seen: { recheck: seen(1, { recheckAt: NOW - 1 }), waiting: seen(1, { waitingForCapacity: true }), moved: seen(1) },
      want: ["waiting", "moved", "new", "recheck"],
    },
    {
      name: "a higher priority goes before an older run",
      active: [run("old"), run("urgent", 1, "queued", { priority: 50 }), run("low", 1, "queued", { priority: -10 })],
      seen: {},
      want: ["urgent", "old", "low"],
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
  const base = {
    advancing: [] as string[],
    seen: {} as Record<string, SeenRun>,
    workers: 1,
    concurrency: 4,
    inFlight: 0,
    reserved: 0,
    load: {} as Record<string, number>,
  };
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
    {
      name: "the project with the fewest task runs in flight goes first, however old the other's runs",
      pending: [queued("a1", "A"), queued("a2", "A"), queued("b1", "B")],
      load: { A: 2 },
      want: [["b1", 4]],
      left: ["a1", "a2"],
    },
    {
      name: "at equal load the higher priority goes first, whatever the project",
      pending: [queued("a1", "A"), queued("b1", "B", 10)],
      want: [["b1", 4]],
      left: ["a1"],
    },
    {
      name: "at equal load and priority the older run goes first",
      pending: [queued("a1", "A"), queued("b1", "B")],
      load: { A: 1, B: 1 },
      want: [["a1", 4]],
      left: ["b1"],
    },
    {
      name: "workers of one plan spread over the projects, each pick counting towards its project's load",
      pending: [queued("a1", "A"), queued("a2", "A"), queued("a3", "A"), queued("b1", "B"), queued("c1", "C")],
      workers: 3,
      concurrency: 6,
      want: [
        ["a1", 2],
        ["b1", 1],
        ["c1", 1],
      ],
      left: ["a2", "a3"],
    },
    {
      name: "within a project a high-priority run overtakes older ones",
      pending: [queued("a1", "A"), queued("a2", "A"), queued("urgent", "A", 100)],
      want: [["urgent", 4]],
      left: ["a1", "a2"],
    },
    {
      name: "a settled run's re-check does not take a turn before a run that may claim work",
      pending: [run("a1", 1, "queued", { projectId: "A" }), run("settled", 3, "running", { projectId: "B" })],
      load: { A: 3 },
      seen: { settled: seen(3, { recheckAt: NOW - 1 }) },
      want: [["a1", 4]],
      left: ["settled"],
    },
  ])("$name", (c) => {
    const s = { ...base, ...c };
    const plan = planDispatch({
      ...s,
      advancing: new Set(s.advancing),
      seen: new Map(Object.entries(s.seen)),
      load: new Map(Object.entries(s.load)),
    });
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
      load: new Map(),
    });
    expect(plan.starts.reduce((n, s) => n + s.capacity, 0)).toBeLessThanOrEqual(10);
  });
});

describe("fair share over a long backlog", () => {
  /**
   * One operator (1 worker, 4 slots) drains the queue: each run it advances claims its one task,
   * and a task ends every time a new one starts once the slots are full. Answers the order in
   * which runs started.
   */
  function drain(pending: ActiveRun[]): string[] {
    const started: string[] = [];
    const inFlight: ActiveRun[] = [];
    let left = [...dueRuns({ active: pending, seen: new Map(), cooldown: new Map(), advancing: new Set(), now: NOW }).pending];
    while (left.length) {
      if (inFlight.length >= 4) inFlight.shift();
      const load = new Map<string, number>();
      for (const r of inFlight) load.set(r.projectId, (load.get(r.projectId) ?? 0) + 1);
      const s: DispatchInput = {
        pending: left,
        advancing: new Set(),
        seen: new Map(),
        workers: 1,
        concurrency: 4,
        inFlight: inFlight.length,
        reserved: 0,
        load,
      };
      const plan = planDispatch(s);
      const [start] = plan.starts;
      left = plan.pending;
      inFlight.push(start.run);
      started.push(start.run.id);
    }
    return started;
  }

  it("starts a project's few runs submitted after another's thousands before that backlog drains", () => {
    const a = Array.from({ length: 5000 }, (_, i) => queued(`a${i}`, "A"));
    const b = Array.from({ length: 10 }, (_, i) => queued(`b${i}`, "B"));
    const order = drain([...a, ...b]);
    const lastB = Math.max(...b.map((r) => order.indexOf(r.id)));
    // B gets every other slot while it has runs: its ten start among the first twenty-odd.
    expect(lastB).toBeLessThan(25);
    expect(order.filter((id) => id.startsWith("a"))).toEqual(a.map((r) => r.id));
  });

  it("starts a high-priority run of the busy project before that project's older runs", () => {
    const a = Array.from({ length: 100 }, (_, i) => queued(`a${i}`, "A"));
    const urgent = queued("urgent", "A", 50);
    const order = drain([...a, urgent]);
    expect(order.indexOf("urgent")).toBe(0);
  });
});
