import type { RunStatus } from "@/lib/status";

/**
 * The scheduler's dispatch decisions, pure: which active runs are due for an advance and in which
 * order, and which of them start now with how much of the free capacity. The scheduler
 * (scheduler.ts) keeps the state these read and carries the plans out.
 */

export interface ActiveRun {
  id: string;
  rev: number;
  status: RunStatus;
}

/** A run advanced with nothing left to start, at this rev. */
export interface SeenRun {
  rev: number;
  /** Ready task runs were left queued because capacity ran out. */
  waitingForCapacity: boolean;
  /** When it is looked at again even if its rev has not moved (epoch ms). */
  recheckAt: number;
}

export interface DueInput {
  /** The active runs, oldest first. */
  active: readonly ActiveRun[];
  seen: ReadonlyMap<string, SeenRun>;
  /** Runs left alone until this time (epoch ms) after their advance hit a bug. */
  cooldown: ReadonlyMap<string, number>;
  /** Runs being advanced now. */
  advancing: ReadonlySet<string>;
  now: number;
}

export interface DuePlan {
  /** Runs due for an advance: those whose rev moved first, then those waiting for capacity, then re-checks. */
  pending: ActiveRun[];
  /** Seen entries of runs that are no longer active. */
  forget: string[];
  /** Cooldowns that are over (or whose run is no longer active). */
  cooled: string[];
}

export function dueRuns(s: DueInput): DuePlan {
  const live = new Set(s.active.map((r) => r.id));
  const forget = [...s.seen.keys()].filter((id) => !live.has(id));
  const cooled = [...s.cooldown].filter(([id, until]) => until <= s.now || !live.has(id)).map(([id]) => id);
  const cooling = new Set([...s.cooldown.keys()].filter((id) => !cooled.includes(id)));
  const fresh: ActiveRun[] = [];
  const waiting: ActiveRun[] = [];
  const rechecks: ActiveRun[] = [];
  for (const r of s.active) {
    if (s.advancing.has(r.id) || cooling.has(r.id)) continue;
    const seen = s.seen.get(r.id);
    if (!seen || seen.rev !== r.rev) fresh.push(r);
    else if (seen.waitingForCapacity) waiting.push(r);
    else if (seen.recheckAt <= s.now) rechecks.push(r);
  }
  return { pending: [...fresh, ...waiting, ...rechecks], forget, cooled };
}

export interface DispatchInput {
  /** Runs due, in order (from dueRuns). */
  pending: readonly ActiveRun[];
  advancing: ReadonlySet<string>;
  seen: ReadonlyMap<string, SeenRun>;
  /** Runs advanced at once (each locks only its own run row). */
  workers: number;
  /** Tasks this operator runs at once, */
  concurrency: number;
  /** … of which this many run now, */
  inFlight: number;
  /** … and this many are promised to advances in progress. */
  reserved: number;
}

export interface DispatchPlan {
  /** Advances to start now, each with the capacity (task runs it may claim) reserved for it. */
  starts: { run: ActiveRun; capacity: number }[];
  /** What is left to dispatch when a worker frees up. */
  pending: ActiveRun[];
}

/**
 * Hands due runs to free workers. Each may claim an equal share of the capacity left, reserved
 * before it starts, so that together they never claim more than it. Without free capacity a
 * queued run is passed over (it stays queued until one of its tasks can really start here), and
 * so is a run already known to wait for capacity at this rev; other runs are still advanced
 * (capacity 0) so that gates, cancels and ends move on.
 */
export function planDispatch(s: DispatchInput): DispatchPlan {
  const workers = Math.max(1, s.workers);
  const advancing = new Set(s.advancing);
  const pending = [...s.pending];
  const starts: DispatchPlan["starts"] = [];
  let reserved = s.reserved;
  while (advancing.size < workers) {
    const r = pending.shift();
    if (!r) break;
    if (advancing.has(r.id)) continue;
    const free = s.concurrency - s.inFlight - reserved;
    if (free <= 0 && r.status === "queued") continue;
    const seen = s.seen.get(r.id);
    if (free <= 0 && seen?.waitingForCapacity && seen.rev === r.rev) continue;
    const capacity = free <= 0 ? 0 : workers === 1 ? free : Math.max(1, Math.floor(free / workers));
    advancing.add(r.id);
    reserved += capacity;
    starts.push({ run: r, capacity });
  }
  return { starts, pending };
}
