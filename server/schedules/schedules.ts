import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray } from "drizzle-orm";
import { notFound } from "@/lib/errors";
import { nextTick, nextTicks, type ScheduleBody, type ScheduleUpdate } from "@/lib/schedules";
import { ACTIVE_STATUSES, BROKEN_STATUSES, type RunStatus } from "@/lib/status";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, runs, schedules, users, type ScheduleRow } from "../db/schema";
import { audit } from "../audit/audit";
import type { Actor, ProjectAccess } from "../authz/authz";
import { getVersion } from "../pipelines/pipelines";
import { resolveRunParams } from "../runs/compile";
import { maskParams } from "../runs/queries";
import { openRunParams, sealRunParams } from "../secrets/run-secrets";
import { systemClock, type Clock } from "./clock";

/**
 * Schedules of a pipeline, managed by users with pipeline.edit (reading them: project.view), every
 * change audited. "History limits" only limit what a schedule lists: its last
 * `successfulHistoryLimit` succeeded and `failedHistoryLimit` failed or cancelled runs. Runs
 * themselves are never deleted for a schedule (docs/schedules.md).
 */

export interface ScheduleRunRef {
  id: string;
  number: number;
  status: RunStatus;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ScheduleView {
  id: string;
  pipelineId: string;
  description: string | null;
  cron: string;
  timeZone: string;
  /** Secret params show as ***. */
  params: Record<string, string>;
  concurrencyPolicy: ScheduleRow["concurrencyPolicy"];
  suspend: boolean;
  startingDeadlineSeconds: number | null;
  successfulHistoryLimit: number;
  failedHistoryLimit: number;
  lastScheduledAt: Date | null;
  nextAt: Date | null;
  /** The next few ticks (empty while suspended). */
  upcoming: Date[];
  lastResult: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  active: ScheduleRunRef[];
  succeeded: ScheduleRunRef[];
  failed: ScheduleRunRef[];
}

async function secretNamesOf(
  db: DbOrTx,
  pipelineId: string,
): Promise<{ version: number; secrets: string[]; check: (p: Record<string, string>) => void }> {
  const [p] = await db.select({ v: pipelines.currentVersion }).from(pipelines).where(eq(pipelines.id, pipelineId));
  if (!p) throw notFound("pipeline", pipelineId);
  const v = await getVersion(db, pipelineId, p.v);
  return {
    version: p.v,
    secrets: v.spec.params.filter((x) => x.secret).map((x) => x.name),
    // The params are checked against the current version now; the run checks them again when it starts.
    check: (params) => void resolveRunParams(v.spec, params),
  };
}

async function view(db: DbOrTx, s: ScheduleRow, secrets: string[], createdBy: string | null, clock: Clock): Promise<ScheduleView> {
  const ref = { id: runs.id, number: runs.number, status: runs.status, createdAt: runs.createdAt, finishedAt: runs.finishedAt };
  const pick = (statuses: RunStatus[], limit: number) =>
    limit === 0
      ? Promise.resolve([] as ScheduleRunRef[])
      : db
          .select(ref)
          .from(runs)
          .where(and(eq(runs.scheduleId, s.id), inArray(runs.status, statuses)))
          .orderBy(desc(runs.number))
          .limit(limit);
  const [active, succeeded, failed] = await Promise.all([
    pick([...ACTIVE_STATUSES], 100),
    pick(["succeeded"], s.successfulHistoryLimit),
    pick([...BROKEN_STATUSES], s.failedHistoryLimit),
  ]);
  return {
    id: s.id,
    pipelineId: s.pipelineId,
    description: s.description,
    cron: s.cron,
    timeZone: s.timeZone,
    params: maskParams(s.params, secrets),
    concurrencyPolicy: s.concurrencyPolicy,
    suspend: s.suspend,
    startingDeadlineSeconds: s.startingDeadlineSeconds,
    successfulHistoryLimit: s.successfulHistoryLimit,
    failedHistoryLimit: s.failedHistoryLimit,
    lastScheduledAt: s.lastScheduledAt,
    nextAt: s.nextAt,
    upcoming:
      s.suspend || !s.nextAt
        ? []
        : [s.nextAt, ...nextTicks(s.cron, s.timeZone, s.nextAt, 2)].filter((d) => d.getTime() >= clock.now().getTime() - 60_000),
    lastResult: s.lastResult,
    createdBy,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    active,
    succeeded,
    failed,
  };
}

async function load(db: DbOrTx, pipelineId: string, scheduleId: string) {
  const [row] = await db
    .select({ s: schedules, createdBy: users.username })
    .from(schedules)
    .leftJoin(users, eq(users.id, schedules.createdBy))
    .where(and(eq(schedules.id, scheduleId), eq(schedules.pipelineId, pipelineId)));
  if (!row) throw notFound("schedule", scheduleId);
  return row;
}

/** Schedule reads and changes; callers are authorised by the operations in ./operations.ts. */

export async function listSchedules(db: Db, pipelineId: string, clock: Clock = systemClock): Promise<ScheduleView[]> {
  const { secrets } = await secretNamesOf(db, pipelineId);
  const rows = await db
    .select({ s: schedules, createdBy: users.username })
    .from(schedules)
    .leftJoin(users, eq(users.id, schedules.createdBy))
    .where(eq(schedules.pipelineId, pipelineId))
    .orderBy(schedules.createdAt);
  return Promise.all(rows.map((r) => view(db, r.s, secrets, r.createdBy, clock)));
}

export async function getSchedule(db: Db, pipelineId: string, scheduleId: string, clock: Clock = systemClock): Promise<ScheduleView> {
  const row = await load(db, pipelineId, scheduleId);
  return view(db, row.s, (await secretNamesOf(db, pipelineId)).secrets, row.createdBy, clock);
}

const auditDetails = (s: Partial<ScheduleBody>) => {
  const { params, ...rest } = s;
  // Param names only: values may be secret.
  return { ...rest, ...(params ? { params: Object.keys(params) } : {}) };
};

export async function createSchedule(
  db: Db,
  actor: Actor,
  access: ProjectAccess,
  pipelineId: string,
  body: ScheduleBody,
  clock: Clock = systemClock,
): Promise<ScheduleView> {
  const p = await secretNamesOf(db, pipelineId);
  p.check(body.params);
  const id = randomUUID();
  // Secret param values are sealed like a run's (server/secrets); the operator opens them to start a run.
  const params = sealRunParams(body.params, p.secrets);
  const now = clock.now();
  await db.transaction(async (tx) => {
    await tx.insert(schedules).values({
      id,
      pipelineId,
      description: body.description ?? null,
      cron: body.cron,
      timeZone: body.timeZone,
      params,
      concurrencyPolicy: body.concurrencyPolicy,
      suspend: body.suspend,
      startingDeadlineSeconds: body.startingDeadlineSeconds ?? null,
      successfulHistoryLimit: body.successfulHistoryLimit,
      failedHistoryLimit: body.failedHistoryLimit,
      nextAt: body.suspend ? null : nextTick(body.cron, body.timeZone, now),
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    });
    await audit(tx, actor, {
      action: "schedule.create",
      targetType: "schedule",
      targetId: id,
      targetName: body.cron,
      projectId: access.projectId,
      details: { pipelineId, ...auditDetails(body) },
    });
  });
  return getSchedule(db, pipelineId, id, clock);
}

export async function updateSchedule(
  db: Db,
  actor: Actor,
  access: ProjectAccess,
  pipelineId: string,
  scheduleId: string,
  patch: ScheduleUpdate,
  clock: Clock = systemClock,
): Promise<ScheduleView> {
  const p = await secretNamesOf(db, pipelineId);
  await db.transaction(async (tx) => {
    const [s] = await tx
      .select()
      .from(schedules)
      .where(and(eq(schedules.id, scheduleId), eq(schedules.pipelineId, pipelineId)))
      .for("update");
    if (!s) throw notFound("schedule", scheduleId);
    const next = { ...s, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ScheduleRow;
    if (patch.params) {
      // A secret left as *** (as the API shows it) keeps its stored value; new values are sealed.
      const keep = (k: string, v: string) => p.secrets.includes(k) && v === "***" && s.params[k] !== undefined;
      const entries = Object.entries(patch.params);
      const given = Object.fromEntries(entries.filter(([k, v]) => !keep(k, v)));
      const kept = Object.fromEntries(entries.filter(([k, v]) => keep(k, v)).map(([k]) => [k, s.params[k]]));
      p.check({ ...openRunParams(kept), ...given });
      next.params = { ...kept, ...sealRunParams(given, p.secrets) };
    }
    // A new expression, zone or a resume starts from the next tick after now: nothing missed is caught up.
    const timing = patch.cron !== undefined || patch.timeZone !== undefined || (s.suspend && patch.suspend === false);
    const nextAt = next.suspend ? null : timing || !s.nextAt ? nextTick(next.cron, next.timeZone, clock.now()) : s.nextAt;
    await tx
      .update(schedules)
      .set({
        description: next.description,
        cron: next.cron,
        timeZone: next.timeZone,
        params: next.params,
        concurrencyPolicy: next.concurrencyPolicy,
        suspend: next.suspend,
        startingDeadlineSeconds: next.startingDeadlineSeconds ?? null,
        successfulHistoryLimit: next.successfulHistoryLimit,
        failedHistoryLimit: next.failedHistoryLimit,
        nextAt,
        updatedAt: clock.now(),
      })
      .where(eq(schedules.id, scheduleId));
    const action =
      Object.keys(patch).length === 1 && patch.suspend !== undefined
        ? patch.suspend
          ? "schedule.suspend"
          : "schedule.resume"
        : "schedule.update";
    await audit(tx, actor, {
      action,
      targetType: "schedule",
      targetId: scheduleId,
      targetName: next.cron,
      projectId: access.projectId,
      details: { pipelineId, ...auditDetails(patch) },
    });
  });
  return getSchedule(db, pipelineId, scheduleId, clock);
}

export async function deleteSchedule(db: Db, actor: Actor, access: ProjectAccess, pipelineId: string, scheduleId: string) {
  await db.transaction(async (tx) => {
    const [s] = await tx
      .select()
      .from(schedules)
      .where(and(eq(schedules.id, scheduleId), eq(schedules.pipelineId, pipelineId)))
      .for("update");
    if (!s) throw notFound("schedule", scheduleId);
    // Its runs stay (runs.schedule_id becomes null).
    await tx.delete(schedules).where(eq(schedules.id, scheduleId));
    await audit(tx, actor, {
      action: "schedule.delete",
      targetType: "schedule",
      targetId: scheduleId,
      targetName: s.cron,
      projectId: access.projectId,
      details: { pipelineId },
    });
  });
}
