import { and, desc, eq, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { auditEvents, projects } from "../db/schema";
import type { Actor } from "../authz/authz";

/** Who did it: a user (with the address they came from) or Gantry itself (operator, scheduler). */
export type AuditActor = Pick<Actor, "id" | "username" | "address"> | { id: null; username: string; address: null };
export const SYSTEM_ACTOR: AuditActor = { id: null, username: "gantry", address: null };

export interface AuditEntry {
  /** dotted verb, e.g. `pipeline.create`, `run.cancel`, `secret.delete` */
  action: string;
  targetType: "pipeline" | "run" | "task_run" | "template" | "project" | "member" | "secret" | "token" | "user" | "schedule";
  targetId?: string | null;
  targetName?: string | null;
  projectId?: string | null;
  /** Context worth keeping (versions, roles, decisions). Never secret values. */
  details?: Record<string, unknown>;
}

/**
 * Appends to the audit trail. Call it inside the same transaction as the change where there is
 * one, so that a change without its record (or a record without its change) cannot happen.
 */
export async function audit(db: DbOrTx, actor: AuditActor, e: AuditEntry) {
  await db.insert(auditEvents).values({
    actorId: actor.id,
    actorName: actor.username,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId ?? null,
    targetName: e.targetName?.slice(0, 200) ?? null,
    projectId: e.projectId ?? null,
    address: actor.address,
    details: e.details ?? null,
  });
}

export interface AuditQuery {
  /** Restrict to these projects; null = every project and site-wide events (site admins). */
  projectIds: string[] | null;
  actor?: string;
  action?: string;
  targetType?: string;
  since?: Date;
  until?: Date;
  /** Keyset pagination: events older than this id. */
  before?: number;
  limit: number;
}

export async function listAudit(db: DbOrTx, q: AuditQuery) {
  const where: SQL[] = [];
  if (q.projectIds) {
    if (q.projectIds.length === 0) return { items: [], next: null };
    where.push(inArray(auditEvents.projectId, q.projectIds));
  }
  if (q.actor) where.push(eq(auditEvents.actorName, q.actor));
  // `run` matches run.start, run.cancel…; `run.cancel` matches exactly.
  if (q.action) where.push(q.action.includes(".") ? eq(auditEvents.action, q.action) : sql`${auditEvents.action} like ${q.action + ".%"}`);
  if (q.targetType) where.push(eq(auditEvents.targetType, q.targetType));
  if (q.since) where.push(gte(auditEvents.createdAt, q.since));
  if (q.until) where.push(lte(auditEvents.createdAt, q.until));
  if (q.before) where.push(lt(auditEvents.id, q.before));
  const rows = await db
    .select({ e: auditEvents, projectSlug: projects.slug })
    .from(auditEvents)
    .leftJoin(projects, eq(projects.id, auditEvents.projectId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(({ e, projectSlug }) => ({
      id: e.id,
      actor: e.actorName,
      action: e.action,
      target: { type: e.targetType, id: e.targetId, name: e.targetName },
      project: projectSlug,
      address: e.address,
      details: e.details,
      createdAt: e.createdAt,
    })),
    next: rows.length > q.limit ? page[page.length - 1].e.id : null,
  };
}
