import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { Logger } from "pino";
import { AppError } from "@/lib/errors";
import { ACTIVE_STATUSES } from "@/lib/status";
import { formatInZone, latestTickAtOrBefore, nextTick } from "@/lib/schedules";
import type { Db } from "../db/client";
import { pipelines, runs, schedules, type ScheduleRow } from "../db/schema";
import { audit, SYSTEM_ACTOR } from "../audit/audit";
import { cancelRun } from "../runs/cancel-run";
import { startRun as startPipelineRun } from "../runs/start-run";
import { openRunParams } from "../secrets/run-secrets";
import { systemClock, type Clock } from "./clock";

/**
 * The operator's side of schedules (docs/schedules.md). Every due schedule (not suspended,
 * `next_at` reached) is claimed with SELECT … FOR UPDATE SKIP LOCKED in one transaction with
 * the run it starts and the move of `next_at` past now, so two operators never fire one tick.
 * As a Kubernetes CronJob does: of the ticks missed while no operator was up, only the latest is
 * considered, and only if it is no later than `startingDeadlineSeconds`; then the concurrency
 * policy decides (Allow: start; Forbid: skip while a run of the schedule is active; Replace:
 * cancel those runs and start).
 */

export interface TickOutcome {
  scheduleId: string;
  /** The tick handled (the latest one due). */
  tick: Date;
  /** Ticks due but passed over because a later one was due too. */
  skippedTicks: number;
  result: "started" | "missed" | "forbidden" | "error";
  runId?: string;
  message: string;
}

export async function fireDueSchedules(db: Db, opts: { clock?: Clock; log?: Logger; limit?: number } = {}): Promise<TickOutcome[]> {
  const clock = opts.clock ?? systemClock;
  const due = await db
    .select({ id: schedules.id })
    .from(schedules)
    .where(and(eq(schedules.suspend, false), lte(schedules.nextAt, clock.now())))
    .orderBy(asc(schedules.nextAt))
    .limit(opts.limit ?? 100);
  const out: TickOutcome[] = [];
  for (const { id } of due) {
    try {
      const o = await fireOne(db, id, clock);
      if (o) {
        out.push(o);
        opts.log?.info({ scheduleId: id, tick: o.tick.toISOString(), result: o.result, runId: o.runId }, o.message);
      }
    } catch (e) {
      if (!(e instanceof AppError)) throw e; // the database: the caller backs off
      opts.log?.error({ err: e.message, scheduleId: id }, "could not handle a schedule tick");
    }
  }
  return out;
}

async function fireOne(db: Db, id: string, clock: Clock): Promise<TickOutcome | null> {
  const replaced: { id: string; number: number }[] = [];
  const outcome = await db.transaction(async (tx) => {
    const now = clock.now();
    const [s] = await tx
      .select()
      .from(schedules)
      .where(and(eq(schedules.id, id), eq(schedules.suspend, false), lte(schedules.nextAt, now)))
      .for("update", { skipLocked: true });
    if (!s || !s.nextAt) return null; // another operator has it, or it is no longer due

    const latest = latestTickAtOrBefore(s.cron, s.timeZone, now);
    const tick = latest && latest.getTime() >= s.nextAt.getTime() ? latest : s.nextAt;
    const skippedTicks = countTicks(s, s.nextAt, tick);
    const when = formatInZone(tick, s.timeZone);
    const lateSeconds = Math.floor((now.getTime() - tick.getTime()) / 1000);
    let o: TickOutcome;

    if (s.startingDeadlineSeconds !== null && lateSeconds > s.startingDeadlineSeconds) {
      o = {
        scheduleId: s.id,
        tick,
        skippedTicks,
        result: "missed",
        message: `missed the tick at ${when}: ${lateSeconds}s late, past the starting deadline of ${s.startingDeadlineSeconds}s`,
      };
    } else {
      const active = await tx
        .select({ id: runs.id, number: runs.number })
        .from(runs)
        .where(and(eq(runs.scheduleId, s.id), inArray(runs.status, [...ACTIVE_STATUSES])));
      if (active.length && s.concurrencyPolicy === "Forbid") {
        o = {
          scheduleId: s.id,
          tick,
          skippedTicks,
          result: "forbidden",
          message: `skipped the tick at ${when}: run #${active[0].number} of this schedule is still active (Forbid)`,
        };
      } else {
        if (s.concurrencyPolicy === "Replace") replaced.push(...active);
        o = await startRun(tx as unknown as Db, s, tick, skippedTicks, when);
      }
    }
    await tx
      .update(schedules)
      .set({ lastScheduledAt: tick, nextAt: nextTick(s.cron, s.timeZone, now), lastResult: o.message.slice(0, 1000) })
      .where(eq(schedules.id, s.id));
    return o;
  });
  // Replace: the runs it replaces are cancelled once the new one is committed (their own locks).
  for (const r of replaced) {
    await cancelRun(db, r.id, "its schedule (Replace: a newer run started)").catch(() => undefined);
  }
  return outcome;
}

async function startRun(tx: Db, s: ScheduleRow, tick: Date, skippedTicks: number, when: string): Promise<TickOutcome> {
  let params: Record<string, string>;
  try {
    params = openRunParams(s.params);
  } catch (e) {
    // A key that is gone or wrong: this schedule cannot start runs, the others go on.
    return {
      scheduleId: s.id,
      tick,
      skippedTicks,
      result: "error",
      message: `could not start a run for the tick at ${when}: ${(e as Error).message}`,
    };
  }
  try {
    // A savepoint inside the claim's transaction: a run that cannot be created leaves the tick handled.
    // Secret values are stored sealed; the run seals them again. A pipeline kept in its repository
    // runs its file at the branch head, read by the operator before the first task.
    const run = await startPipelineRun(tx, s.pipelineId, { params, trigger: "schedule", scheduleId: s.id, userId: s.createdBy });
    const [p] = await tx.select({ projectId: pipelines.projectId }).from(pipelines).where(eq(pipelines.id, s.pipelineId));
    await audit(tx, SYSTEM_ACTOR, {
      action: "run.start",
      targetType: "run",
      targetId: run.id,
      targetName: `#${run.number}`,
      projectId: p?.projectId ?? null,
      details: {
        pipelineId: s.pipelineId,
        number: run.number,
        trigger: "schedule",
        scheduleId: s.id,
        tick: tick.toISOString(),
        params: Object.keys(s.params),
      },
    });
    return {
      scheduleId: s.id,
      tick,
      skippedTicks,
      result: "started",
      runId: run.id,
      message: `started run #${run.number} for the tick at ${when}`,
    };
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return {
      scheduleId: s.id,
      tick,
      skippedTicks,
      result: "error",
      message: `could not start a run for the tick at ${when}: ${e.message}`,
    };
  }
}

/** Ticks in [from, to) — the ones passed over for `to` (capped: only a number for the log). */
function countTicks(s: Pick<ScheduleRow, "cron" | "timeZone">, from: Date, to: Date): number {
  let n = 0;
  let t = from;
  while (t.getTime() < to.getTime() && n < 1000) {
    n++;
    t = nextTick(s.cron, s.timeZone, t);
  }
  return n;
}
