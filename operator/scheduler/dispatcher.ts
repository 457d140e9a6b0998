import type { Logger } from "pino";
import { AppError } from "@/lib/errors";
import { isFinal } from "@/lib/status";
import type { Db } from "@/server/db/client";
import { advanceAndClaim, listActiveRuns, type ClaimedTask } from "@/server/runs/operator-queries";
import { dueRuns, planDispatch, type ActiveRun, type SeenRun } from "./dispatch";

/** A settled run is advanced again after this long (plus up to half as much, so they spread out). */
const RECHECK_MS = 10_000;
/** A run whose advance hit a bug (not a database error) is left alone this long. */
const COOLDOWN_MS = 10_000;

export interface DispatcherOptions {
  db: Db;
  operatorId: string;
  log: Logger;
  /** Runs advanced at once (each locks only its own run row). */
  workers: number;
  /** Tasks this operator runs at once. */
  concurrency: number;
  /** Tasks running here now. */
  inFlight: () => number;
  /** Whether new work may be claimed (not while draining). */
  accepting: () => boolean;
  /** Starts a task run this operator has just claimed. */
  launch: (c: ClaimedTask) => void;
  /** A run got its final status from one of these advances. */
  runEnded: (runId: string) => void;
  /** The claim transaction (advanceAndClaim unless told: bench/scale/queue.ts times it). */
  advance?: typeof advanceAndClaim;
}

/**
 * The scheduler's dispatch half: lists the active runs, hands those with something to do to
 * advance workers (SELECT … FOR UPDATE SKIP LOCKED in advanceAndClaim, so replicas share the
 * work) with the capacity planDispatch reserves for each, and remembers what each advance found.
 * The decisions are the pure functions of dispatch.ts; this keeps their state.
 */
export class Dispatcher {
  /**
   * Runs advanced with nothing left to start, at this rev: no need to lock them again until it
   * moves, or until `recheckAt` (level-based at heart: a settled run is looked at again now and
   * then, each at its own time rather than all together).
   */
  private readonly seen = new Map<string, SeenRun>();
  /** Runs due for an advance, fresh work first; refilled by every claim, drained by the workers. */
  private pending: ActiveRun[] = [];
  /** Runs being advanced now, and those calls. */
  private readonly advancing = new Set<string>();
  private readonly advances = new Set<Promise<void>>();
  /** Capacity promised to advances in progress, in all and per project. */
  private reserved = 0;
  private readonly reservedBy = new Map<string, number>();
  /** Task runs running per project at the last listing, and claimed here since (fair share). */
  private listedLoad = new Map<string, number>();
  private readonly claimedSince = new Map<string, number>();
  /** A database error from an advance: the next tick fails with it and backs off. */
  private error: unknown = null;
  /** Runs whose advance hit a bug: left alone for a while, not retried hot. */
  private readonly cooldown = new Map<string, number>();

  constructor(private readonly o: DispatcherOptions) {}

  /**
   * Lists the active runs and hands those with something to do to the advance workers, without
   * waiting for them: a slow advance (a long transaction, a busy database) must not hold up the
   * claims of runs queued meanwhile, which the next claim finds and hands out at once.
   */
  async claim() {
    const now = Date.now();
    const { runs: active, load } = await listActiveRuns(this.o.db);
    this.listedLoad = load;
    this.claimedSince.clear();
    const due = dueRuns({ active, seen: this.seen, cooldown: this.cooldown, advancing: this.advancing, now });
    for (const id of due.forget) this.seen.delete(id);
    for (const id of due.cooled) this.cooldown.delete(id);
    this.pending = due.pending;
    this.dispatch();
  }

  /** Throws (once) the database error an advance met since the last call. */
  rethrow() {
    if (this.error === null) return;
    const e = this.error;
    this.error = null;
    throw e;
  }

  /** Whether this run is being advanced now (its claims may still be on their way). */
  isAdvancing(runId: string): boolean {
    return this.advancing.has(runId);
  }

  /** Looks at this run at the next claim, whatever its rev (a gate's deadline passed). */
  recheck(runId: string) {
    this.seen.delete(runId);
  }

  /** Waits for the advances in progress, and those they start. */
  async settled() {
    while (this.advances.size) await Promise.all([...this.advances]);
  }

  /** Each project's task runs in flight as fair share counts them: listed, claimed since, promised. */
  private load(): Map<string, number> {
    const load = new Map(this.listedLoad);
    for (const m of [this.claimedSince, this.reservedBy]) for (const [p, n] of m) bump(load, p, n);
    return load;
  }

  private dispatch() {
    if (!this.o.accepting() || this.error !== null || !this.pending.length) return;
    const plan = planDispatch({
      pending: this.pending,
      advancing: this.advancing,
      seen: this.seen,
      workers: this.o.workers,
      concurrency: this.o.concurrency,
      inFlight: this.o.inFlight(),
      reserved: this.reserved,
      load: this.load(),
    });
    this.pending = plan.pending;
    for (const { run: r, capacity } of plan.starts) {
      this.advancing.add(r.id);
      this.reserved += capacity;
      bump(this.reservedBy, r.projectId, capacity);
      const p = this.advanceOne(r, capacity)
        .catch((e) => {
          this.error ??= e;
          this.pending = [];
        })
        .finally(() => {
          this.reserved -= capacity;
          bump(this.reservedBy, r.projectId, -capacity);
          this.advancing.delete(r.id);
          this.advances.delete(p);
          this.dispatch();
        });
      this.advances.add(p);
    }
  }

  private async advanceOne(r: ActiveRun, capacity: number) {
    let res;
    try {
      res = await (this.o.advance ?? advanceAndClaim)(this.o.db, r.id, { operatorId: this.o.operatorId, capacity });
    } catch (e) {
      if (!(e instanceof AppError)) throw e; // the database: the next tick backs off and retries
      this.o.log.error({ err: e.message, runId: r.id }, "could not advance the run; trying again later");
      this.cooldown.set(r.id, Date.now() + COOLDOWN_MS);
      return;
    }
    bump(this.claimedSince, r.projectId, res.claimed.length);
    for (const c of res.claimed) this.o.launch(c);
    // Only active runs are advanced, so a final status here means this call ended the run.
    if (res.status && isFinal(res.status)) this.o.runEnded(r.id);
    if (res.skipped) this.seen.delete(r.id);
    else
      this.seen.set(r.id, {
        rev: res.rev,
        waitingForCapacity: res.unclaimed > 0,
        recheckAt: Date.now() + RECHECK_MS * (1 + Math.random() / 2),
      });
  }
}

function bump(m: Map<string, number>, key: string, by: number) {
  const n = (m.get(key) ?? 0) + by;
  if (n === 0) m.delete(key);
  else m.set(key, n);
}
