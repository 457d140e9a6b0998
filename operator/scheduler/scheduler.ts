import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Db } from "@/server/db/client";
import { logger as rootLogger } from "@/server/logger";
import { MySqlLogStore, type LogStore } from "@/server/logs/store";
import {
  adoptOrphanedTaskRuns,
  advanceAndClaim,
  failOrphanedTaskRuns,
  finishedRunIds,
  finishTaskRun,
  heartbeatOperator,
  listTaskRunsToStop,
  ownTaskRunsNotInFlight,
  pruneOperators,
  registerOperator,
  removeOperator,
  SHUTDOWN_MESSAGE,
  type ClaimedTask,
  type OrphanedTaskRun,
} from "@/server/runs/operator-queries";
import type { Executor } from "../executors/types";
import { backoffMs, sleep } from "./backoff";
import { Notifier } from "./notifier";
import { runFinished } from "../metrics";
import { runTask, stopTask, type InFlight, type TaskContext } from "./run-task";
import { GateWatcher, type GateWatcherOptions } from "./gates";
import { fireDueSchedules } from "@/server/schedules/fire";
import type { Clock } from "@/server/schedules/clock";
import { Dispatcher } from "./dispatcher";
import { Housekeeping } from "./housekeeping";
import { PipelineFiles } from "./pipeline-files";
import { RetentionJob, type RetentionJobOptions } from "./retention";

export interface SchedulerOptions {
  db: Db;
  executor: Executor;
  /** Stable across restarts of the same instance: how it recognises its own orphans. */
  operatorId: string;
  /** Tasks this operator runs at once. */
  concurrency: number;
  /** How often it looks for work (it also looks right after a task ends). */
  pollMs: number;
  /** An operator whose heartbeat is older than this is dead; its running task runs are failed. */
  staleSeconds?: number;
  heartbeatMs?: number;
  /** How often workspaces of finished runs are removed. */
  sweepMs?: number;
  store?: LogStore;
  log?: Logger;
  /** Runs advanced at once per claim step; default 8 with the Kubernetes executor, else 1. */
  claimParallelism?: number;
  /** Approval gates: how often deadlines are checked, and whether approvers are mailed (default: when SMTP is configured). */
  gates?: GateWatcherOptions;
  /** How often due pipeline schedules are looked for (default 1 s), and the clock they are read with. */
  schedulesMs?: number;
  clock?: Clock;
  /** Run retention (server/runs/retention.ts) every `everyMs` (default 15 min); off when not given. */
  retention?: Omit<RetentionJobOptions, "db" | "log"> & { everyMs?: number };
}

type Phase = "new" | "running" | "draining" | "stopped";

/**
 * The operator's loop: claims runs (SELECT … FOR UPDATE SKIP LOCKED, so replicas share the work),
 * advances them through the run state machine, starts ready task runs on the executor up to the
 * concurrency limit, stops what was cancelled, and keeps its heartbeat. Database errors never end
 * the loop: it backs off and carries on where the database left it.
 *
 * Each tick has two halves: dispatch (dispatcher.ts: which runs to advance, with what capacity,
 * decided by the pure dueRuns / planDispatch of dispatch.ts) and housekeeping (the table of
 * periodic jobs in the constructor, run by housekeeping.ts). This class owns the rest: the
 * loop, its back-off, boot and drain, and the tasks in flight.
 */
export class Scheduler {
  private readonly db: Db;
  private readonly me: { id: string; hostname: string; pid: number };
  private readonly log: Logger;
  private readonly ctx: TaskContext;
  private readonly staleSeconds: number;
  private readonly heartbeatMs: number;
  private readonly gates: GateWatcher;
  private readonly housekeeping: Housekeeping;
  private readonly dispatcher: Dispatcher;
  private readonly files: PipelineFiles;
  private readonly retention: RetentionJob | null;

  private phase: Phase = "new";
  private inflight = new Map<string, InFlight>();
  /** Runs whose tasks ran here: their workspaces go when they end. */
  private touchedRuns = new Set<string>();
  private registered = false;
  private dbOk = false;
  private failures = 0;
  /** Start of the current stretch without database errors. */
  private healthySince: number | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** Sends queued run notifications (server/notifications/outbox.ts) beside the loop. */
  private readonly notifier: Notifier;
  private stopping: Promise<void> | null = null;
  private hurryUp: (() => void) | null = null;

  constructor(private opts: SchedulerOptions) {
    this.db = opts.db;
    this.me = { id: opts.operatorId, hostname: hostname(), pid: process.pid };
    this.log = (opts.log ?? rootLogger).child({ operatorId: opts.operatorId });
    this.staleSeconds = opts.staleSeconds ?? 30;
    this.heartbeatMs = opts.heartbeatMs ?? Math.min(5000, (this.staleSeconds * 1000) / 4);
    // Starting a BuildJob costs the operator little, so the claim round-trips decide how fast
    // Kubernetes tasks start; local processes keep the one-run-at-a-time order.
    this.dispatcher = new Dispatcher({
      db: opts.db,
      operatorId: opts.operatorId,
      log: this.log,
      workers: opts.claimParallelism ?? (opts.executor.kind === "kubernetes" ? 8 : 1),
      concurrency: opts.concurrency,
      inFlight: () => this.inflight.size,
      accepting: () => this.phase === "running",
      launch: (c) => this.launch(c, { justClaimed: true }),
      runEnded: (runId) => void runFinished(this.db, runId, this.log),
    });
    this.notifier = new Notifier(opts.db, this.log);
    this.files = new PipelineFiles({ db: opts.db, operatorId: opts.operatorId, log: this.log, parallel: 2, settled: () => this.wake() });
    this.gates = new GateWatcher(opts.db, this.log, opts.gates);
    this.ctx = { db: opts.db, executor: opts.executor, store: opts.store ?? new MySqlLogStore(opts.db), log: this.log };
    this.retention = opts.retention ? new RetentionJob({ ...opts.retention, db: opts.db, log: this.log }) : null;
    const running = () => this.phase === "running";
    this.housekeeping = new Housekeeping([
      { name: "heartbeat", every: this.heartbeatMs, run: () => heartbeatOperator(this.db, this.me) },
      // Dead operators' task runs, and claims whose answer was lost.
      { name: "recover", every: this.heartbeatMs, run: (now) => this.recover(now) },
      { name: "stops", every: 0, run: () => this.applyStops() },
      // A due tick is claimed under lock with the run it starts (server/schedules/fire.ts).
      {
        name: "schedules",
        every: opts.schedulesMs ?? 1000,
        when: running,
        run: () => fireDueSchedules(this.db, { clock: this.opts.clock, log: this.log }),
      },
      // Runs of pipelines kept in their repository: their file is read before their first task (server/runs/pending-runs.ts).
      { name: "pipeline files", every: 0, when: running, run: (now) => this.files.tick(now) },
      { name: "notifications", every: 0, run: (now) => this.notifier.tick(now) },
      // Runs whose approval gate passed its deadline are advanced at the next tick, not at their re-check.
      {
        name: "gates",
        every: 0,
        when: running,
        run: async (now) => (await this.gates.tick(now)).forEach((runId) => this.dispatcher.recheck(runId)),
      },
      { name: "sweep", every: opts.sweepMs ?? 60_000, run: () => this.sweepWorkspaces() },
      // Starts a pass in the background (operator/scheduler/retention.ts): a long one never holds up this tick.
      ...(this.retention
        ? [{ name: "retention", every: opts.retention?.everyMs ?? 15 * 60_000, when: running, run: () => this.retention?.start() }]
        : []),
    ]);
    // The first sweep and retention pass come a full period after the start.
    this.housekeeping.ranAt("sweep", Date.now());
    this.housekeeping.ranAt("retention", Date.now());
  }

  start() {
    if (this.phase !== "new") return;
    this.phase = "running";
    this.loopDone = this.loop();
  }

  /** Looks for work now instead of at the next poll. */
  wake() {
    this.woken = true;
    this.wakeUp?.();
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  readiness(): { ready: boolean; reason: string } {
    if (this.phase === "new") return { ready: false, reason: "not started" };
    if (this.phase !== "running") return { ready: false, reason: `shutting down (${this.inflight.size} task(s) in flight)` };
    if (!this.registered || !this.dbOk) return { ready: false, reason: "the database is unreachable; retrying" };
    return { ready: true, reason: "ok" };
  }

  /**
   * Drains: claims nothing more, lets running tasks finish for up to `drainMs`, then stops them
   * and fails them with "operator shut down while the task was running".
   */
  stop(drainMs: number): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.phase === "new") this.phase = "stopped";
    else this.phase = "draining";
    this.stopping = (async () => {
      this.wake();
      if (this.inflight.size) {
        this.log.info({ tasks: this.inflight.size, drainMs }, "draining: waiting for running tasks");
        const hurried = new Promise<void>((r) => (this.hurryUp = r));
        await Promise.race([this.allDone(), sleep(drainMs), hurried]);
        const left = [...this.inflight.values()];
        if (left.length) {
          this.log.warn({ tasks: left.length }, "drain deadline passed: stopping the remaining tasks");
          for (const inf of left) stopTask(inf, { kind: "shutdown", message: SHUTDOWN_MESSAGE });
          await this.allDone();
          // Let those runs show it now (failed, later stages skipped), not at the next start.
          await this.dispatcher.settled();
          for (const runId of new Set(left.map((i) => i.claimed.run.id))) {
            await advanceAndClaim(this.db, runId, { operatorId: this.me.id, capacity: 0 }).catch((e) =>
              this.log.warn({ err: (e as Error).message, runId }, "could not advance the run after stopping its task"),
            );
          }
        }
      }
      this.phase = "stopped";
      this.wake();
      await this.loopDone;
      await this.dispatcher.settled();
      // A file being read is read again after the restart if it is not done by then.
      await Promise.race([this.files.settled(), sleep(drainMs)]);
      await this.notifier.drain();
      await this.retention?.stop();
      if (this.registered) await removeOperator(this.db, this.me.id).catch(() => undefined);
      this.log.info("operator stopped");
    })();
    return this.stopping;
  }

  /** Cuts a drain short (a second SIGTERM): running tasks are stopped now. */
  hurry() {
    this.hurryUp?.();
  }

  private async allDone() {
    while (this.inflight.size) await Promise.all([...this.inflight.values()].map((i) => i.done));
  }

  private async loop() {
    while (this.phase !== "stopped") {
      try {
        if (!this.registered) await this.boot();
        await this.tick();
        this.dbRecovered();
      } catch (e) {
        this.dbFailed(e);
      }
      await this.nap(this.failures ? backoffMs(this.failures) : this.opts.pollMs);
    }
  }

  private async nap(ms: number) {
    if (this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wakeUp = null;
    this.woken = false;
  }

  private dbRecovered() {
    if (this.failures > 0) this.log.info({ after: this.failures }, "database is reachable again; carrying on");
    this.failures = 0;
    this.dbOk = true;
    this.healthySince ??= Date.now();
  }

  private dbFailed(e: unknown) {
    this.failures++;
    this.dbOk = false;
    this.healthySince = null;
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.log.warn({ err: (e as Error).message, failures: this.failures }, "scheduler step failed (database unreachable?); backing off");
    }
  }

  /** Registers this instance and fails what its previous life (and dead operators) left running. */
  private async boot() {
    await registerOperator(this.db, this.me);
    // What outlives the process (a BuildJob) is followed again, not failed: it is still running.
    const resumed: string[] = [];
    if (this.opts.executor.canResume) {
      for (const c of await ownTaskRunsNotInFlight(this.db, this.me.id, [...this.inflight.keys()])) {
        if (!this.opts.executor.canResume(c.taskRun.executorRef)) continue;
        this.log.info({ taskRunId: c.taskRun.id, executorRef: c.taskRun.executorRef }, "re-attaching to a task started before the restart");
        this.launch(c);
      }
      resumed.push(...this.inflight.keys());
    }
    await this.adopt();
    const orphans = await failOrphanedTaskRuns(this.db, {
      operatorId: this.me.id,
      own: true,
      staleSeconds: this.staleSeconds,
      keep: resumed,
    });
    await this.reap(orphans);
    this.registered = true;
    // It has just talked to the database: ready now, not only after the first whole tick.
    this.dbOk = true;
    // It has just done what the heartbeat and the recovery jobs do.
    this.housekeeping.ranAt("heartbeat", Date.now());
    this.housekeeping.ranAt("recover", Date.now());
    this.log.info({ orphansFailed: orphans.length }, "operator registered");
  }

  private async tick() {
    const now = Date.now();
    this.dispatcher.rethrow();
    // New work first: listing and handing out is quick, and the rest of the tick (heartbeat,
    // stops, schedules, gates) would otherwise stand between a queued run and its claim.
    if (this.phase === "running") await this.dispatcher.claim();
    await this.housekeeping.tick(now);
  }

  /** Recovery that runs with the heartbeat: dead operators' task runs, and claims whose answer was lost. */
  private async recover(now: number) {
    // Only after a full stale period of our own uninterrupted contact: when the database comes back
    // from an outage, every heartbeat is old, and live operators need a moment to renew theirs.
    if (this.healthySince !== null && now - this.healthySince >= this.staleSeconds * 1000) {
      await this.adopt();
      await this.reap(await failOrphanedTaskRuns(this.db, { operatorId: this.me.id, own: false, staleSeconds: this.staleSeconds }));
      await pruneOperators(this.db, Math.max(3600, this.staleSeconds * 10));
    }
    if (this.phase === "running") {
      for (const c of await ownTaskRunsNotInFlight(this.db, this.me.id, [...this.inflight.keys()])) {
        // Claimed by an advance whose answer is still on its way: that advance starts it.
        if (this.dispatcher.isAdvancing(c.run.id)) continue;
        this.log.warn({ taskRunId: c.taskRun.id }, "found a task run claimed by this operator but not started (lost answer); starting it");
        this.launch(c);
      }
    }
  }

  /**
   * Dead operators' task runs whose attempts outlive them (BuildJobs) are taken over and followed
   * here rather than failed; the rest are failed by failOrphanedTaskRuns. Past the concurrency
   * limit if need be: the work already runs, refusing it would only fail it.
   */
  private async adopt() {
    const executor = this.opts.executor;
    if (!executor.canAdopt || this.phase !== "running") return;
    const adopted = await adoptOrphanedTaskRuns(this.db, {
      operatorId: this.me.id,
      staleSeconds: this.staleSeconds,
      canAdopt: (c) =>
        !this.inflight.has(c.id) && executor.canAdopt?.({ taskRunId: c.id, attempt: c.attempt, executorRef: c.executorRef }) === true,
    });
    for (const c of adopted) {
      this.log.warn(
        { taskRunId: c.taskRun.id, runId: c.run.id, task: c.taskRun.name, executorRef: c.taskRun.executorRef },
        "adopted a task run of a dead operator; following it",
      );
      this.launch(c);
    }
  }

  /** Failed orphans may still have processes (or Jobs) running: stop them where the executor can. */
  private async reap(orphans: OrphanedTaskRun[]) {
    for (const o of orphans) {
      const stopped = await this.opts.executor
        .reapOrphan({ taskRunId: o.id, runId: o.runId, taskName: o.name, executorRef: o.executorRef })
        .catch(
          (e) => (this.log.warn({ err: (e as Error).message, taskRunId: o.id }, "could not stop an orphaned task's processes"), false),
        );
      this.log.warn({ taskRunId: o.id, runId: o.runId, task: o.name, claimedBy: o.claimedBy, leftoversStopped: stopped }, o.message);
    }
  }

  private async applyStops() {
    if (this.inflight.size === 0) return;
    for (const c of await listTaskRunsToStop(this.db, this.me.id, [...this.inflight.keys()])) {
      const inf = this.inflight.get(c.id);
      if (inf && !inf.stop) {
        this.log.info({ taskRunId: c.id, action: c.action, reason: c.message }, "stopping a running task");
        stopTask(inf, { kind: c.action, message: c.message });
      }
    }
  }

  /**
   * Runs a task run this operator owns. One it has just claimed starts afresh; one found running
   * (after a restart, adopted, or a claim whose answer was lost) is re-attached to where the
   * executor can, which for the Kubernetes executor means a look-up of its BuildJob first: a
   * round trip that a fresh claim, which cannot have one yet, does without.
   */
  private launch(c: ClaimedTask, opts: { justClaimed?: boolean } = {}) {
    const id = c.taskRun.id;
    if (this.inflight.has(id)) return;
    const resume = !opts.justClaimed && !!this.opts.executor.canResume?.(c.taskRun.executorRef);
    const inf: InFlight = { claimed: c, handle: null, stop: null, done: Promise.resolve(), resume };
    this.inflight.set(id, inf);
    this.touchedRuns.add(c.run.id);
    this.log.info({ taskRunId: id, runId: c.run.id, task: c.taskRun.name }, "task started");
    inf.done = runTask(this.ctx, inf)
      .catch(async (e) => {
        // A bug, not the database (runTask waits out database errors): fail the task run rather
        // than leave it running with nobody running it.
        this.log.error({ err: e, taskRunId: id }, "task runner crashed");
        await finishTaskRun(this.db, c.taskRun, {
          status: "failed",
          exitCode: null,
          message: `internal error in the operator: ${(e as Error).message}`,
        }).catch(() => undefined);
      })
      .finally(() => {
        this.inflight.delete(id);
        this.wake();
      });
  }

  private async sweepWorkspaces() {
    const busy = new Set([...this.inflight.values()].map((i) => i.claimed.run.id));
    const candidates = [...this.touchedRuns].filter((id) => !busy.has(id));
    for (const runId of await finishedRunIds(this.db, candidates)) {
      await this.opts.executor
        .releaseRun(runId)
        .catch((e) => this.log.warn({ err: (e as Error).message, runId }, "could not remove the run's workspace"));
      this.touchedRuns.delete(runId);
    }
  }
}
