import type { SchedulableRun } from "@/server/runs/operator-queries";

/**
 * The scheduler's dispatch decisions, pure: which active runs are due for an advance and in which
 * order, and which of them start now with how much of the free capacity. The scheduler
 * (scheduler.ts) keeps the state these read and carries the plans out.
 *
 * When capacity is short it goes by fair share: the project with the fewest task runs in flight
 * (across all operators, plus what this one has promised since) gets the next slot; within a
 * project, higher priority first, then the oldest. A project's backlog therefore never holds
 * another project's runs back, and a high-priority run waits only for its project's turn.
 */

/** An active run as listed for the scheduler (server/runs/operator-queries.ts). */
export type ActiveRun = SchedulableRun;

/** Within a project: higher priority first, then older, then by id (a stable order for ties). */
export function queueOrder(a: ActiveRun, b: ActiveRun): number {
  return b.priority - a.priority || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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
  /** The active runs, in any order. */
  active: readonly ActiveRun[];
  seen: ReadonlyMap<string, SeenRun>;
  /** Runs left alone until this time (epoch ms) after their advance hit a bug. */
  cooldown: ReadonlyMap<string, number>;
  /** Runs being advanced now. */
  advancing: ReadonlySet<string>;
  now: number;
}

export interface DuePlan {
  /**
   * Runs due for an advance: those that may claim work (rev moved, never seen, or waiting for
   * capacity) by priority then age, then the settled ones due for a re-check.
   */
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
  const claimers: ActiveRun[] = [];
  const rechecks: ActiveRun[] = [];
  for (const r of s.active) {
    if (s.advancing.has(r.id) || cooling.has(r.id)) continue;
    const seen = s.seen.get(r.id);
    if (!seen || seen.rev !== r.rev || seen.waitingForCapacity) claimers.push(r);
    else if (seen.recheckAt <= s.now) rechecks.push(r);
  }
  return { pending: [...claimers.sort(queueOrder), ...rechecks.sort(queueOrder)], forget, cooled };
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
  /**
   * Task runs in flight per project: running anywhere (as last listed), plus those claimed here
   * since and the capacity promised to advances in progress. A project not in it has none.
   */
  load: ReadonlyMap<string, number>;
}

export interface DispatchPlan {
  /** Advances to start now, each with the capacity (task runs it may claim) reserved for it. */
  starts: { run: ActiveRun; capacity: number }[];
  /** What is left to dispatch when a worker frees up. */
  pending: ActiveRun[];
}

/**
 * Hands due runs to free workers. Each may claim an equal share of the capacity left, reserved
 * before it starts, so that together they never claim more than it. While there is free
 * capacity the next run is the fair-share pick (nextFair); each pick counts its capacity towards
 * its project's load, so the workers of one plan spread over the projects. Without free capacity
 * a queued run is passed over (it stays queued until one of its tasks can really start here), and
 * so is a run already known to wait for capacity at this rev; other runs are still advanced
 * (capacity 0), in order, so that gates, cancels and ends move on.
 */
export function planDispatch(s: DispatchInput): DispatchPlan {
  const workers = Math.max(1, s.workers);
  const advancing = new Set(s.advancing);
  const pending = [...s.pending];
  const starts: DispatchPlan["starts"] = [];
  const load = new Map(s.load);
  let reserved = s.reserved;
  while (advancing.size < workers) {
    const i = s.concurrency - s.inFlight - reserved > 0 ? nextFair(pending, load, s.seen) : 0;
    if (i < 0 || !pending.length) break;
    const [r] = pending.splice(i, 1);
    if (advancing.has(r.id)) continue;
    const free = s.concurrency - s.inFlight - reserved;
    if (free <= 0 && r.status === "queued") continue;
    const seen = s.seen.get(r.id);
    if (free <= 0 && seen?.waitingForCapacity && seen.rev === r.rev) continue;
    const capacity = free <= 0 ? 0 : workers === 1 ? free : Math.max(1, Math.floor(free / workers));
    advancing.add(r.id);
    reserved += capacity;
    load.set(r.projectId, (load.get(r.projectId) ?? 0) + capacity);
    starts.push({ run: r, capacity });
  }
  return { starts, pending };
}

/**
 * Which pending run gets free capacity next (its index): of the runs that may claim work (all
 * but settled re-checks, which come after them), the first in queue order of the project with
 * the least load; ties go to the higher priority, then the older run. Re-checks claim nothing
 * as a rule, so they follow in their order.
 */
export function nextFair(pending: readonly ActiveRun[], load: ReadonlyMap<string, number>, seen: ReadonlyMap<string, SeenRun>): number {
  let best = -1;
  let bestLoad = Infinity;
  for (let i = 0; i < pending.length; i++) {
    const r = pending[i];
    const k = seen.get(r.id);
    if (k && k.rev === r.rev && !k.waitingForCapacity) continue; // a re-check
    const l = load.get(r.projectId) ?? 0;
    if (l < bestLoad || (l === bestLoad && queueOrder(r, pending[best]) < 0)) {
      best = i;
      bestLoad = l;
    }
  }
  return best >= 0 ? best : pending.length ? 0 : -1;
}
