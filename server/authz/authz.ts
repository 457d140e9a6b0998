import { and, eq, inArray } from "drizzle-orm";
import { AppError, notFound } from "@/lib/errors";
import { ACTION_LABELS, MIN_ROLE, SCOPE_NEEDED, roleAllows, scopeAllows, type Action, type Scope } from "@/lib/permissions";
import type { Role } from "@/lib/projects";
import type { DbOrTx } from "../db/client";
import { memberships, pipelines, projects, runs, taskRuns, templates } from "../db/schema";
import type { SessionUser } from "../auth/users";

/**
 * Who is acting: a signed-in user (session: full scope) or an API token (its scope), plus the
 * client address for the audit trail. Site admins act as owners of every project.
 */
export interface Actor extends SessionUser {
  scope: Scope;
  via: "session" | "token";
  address: string | null;
}

/** A signed-in user acting through their session, which has full scope: the one place this actor is built. */
export function sessionActor(user: SessionUser, address: string | null): Actor {
  return { ...user, scope: "admin", via: "session", address };
}

export interface ProjectAccess {
  projectId: string;
  projectSlug: string;
  /** The actor's effective role (a site admin counts as owner). */
  role: Role;
}

/** The actor's role in a project, or null when they are not a member (site admins: owner). */
export async function roleIn(db: DbOrTx, actor: Pick<Actor, "id" | "role">, projectId: string): Promise<Role | null> {
  if (actor.role === "admin") return "owner";
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, actor.id)));
  return m?.role ?? null;
}

/** Project ids the actor may see; null means all (site admin). */
export async function visibleProjectIds(db: DbOrTx, actor: Pick<Actor, "id" | "role">): Promise<string[] | null> {
  if (actor.role === "admin") return null;
  const rows = await db.select({ id: memberships.projectId }).from(memberships).where(eq(memberships.userId, actor.id));
  return rows.map((r) => r.id);
}

/** Roles of the actor in each project they belong to (site admin: owner of all). */
export async function rolesOf(db: DbOrTx, actor: Pick<Actor, "id" | "role">): Promise<Map<string, Role>> {
  if (actor.role === "admin") {
    const all = await db.select({ id: projects.id }).from(projects);
    return new Map(all.map((p) => [p.id, "owner" as Role]));
  }
  const rows = await db
    .select({ id: memberships.projectId, role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, actor.id));
  return new Map(rows.map((r) => [r.id, r.role]));
}

export function checkScope(actor: Pick<Actor, "scope">, action: Action) {
  if (!scopeAllows(actor.scope, action)) {
    throw new AppError("forbidden", `this token's scope '${actor.scope}' does not allow this call; it needs '${SCOPE_NEEDED[action]}'`);
  }
}

/**
 * The one permission check (DESIGN.md security model). Non-members get the same 404 as for a
 * missing object, so that project contents do not leak; members without the role get 403 naming
 * what is missing.
 */
function decide(actor: Actor, role: Role | null, action: Action, what: { kind: string; id: string; project: string }): Role {
  if (!role) throw notFound(what.kind, what.id);
  checkScope(actor, action);
  if (!roleAllows(role, action)) {
    throw new AppError(
      "forbidden",
      `your role '${role}' in project '${what.project}' does not allow this: ${ACTION_LABELS[action].toLowerCase()} needs '${MIN_ROLE[action]}' or above`,
      { role, needs: MIN_ROLE[action], project: what.project },
    );
  }
  return role;
}

export async function requireProject(db: DbOrTx, actor: Actor, idOrSlug: string, action: Action): Promise<ProjectAccess> {
  const [p] = await db
    .select({ id: projects.id, slug: projects.slug })
    .from(projects)
    .where(/^[0-9a-f-]{36}$/.test(idOrSlug) ? eq(projects.id, idOrSlug) : eq(projects.slug, idOrSlug));
  if (!p) throw notFound("project", idOrSlug);
  const role = decide(actor, await roleIn(db, actor, p.id), action, { kind: "project", id: idOrSlug, project: p.slug });
  return { projectId: p.id, projectSlug: p.slug, role };
}

async function requireVia(
  db: DbOrTx,
  actor: Actor,
  kind: string,
  id: string,
  action: Action,
  row: { projectId: string; slug: string } | undefined,
): Promise<ProjectAccess> {
  if (!row) throw notFound(kind, id);
  const role = decide(actor, await roleIn(db, actor, row.projectId), action, { kind, id, project: row.slug });
  return { projectId: row.projectId, projectSlug: row.slug, role };
}

export async function requirePipeline(db: DbOrTx, actor: Actor, pipelineId: string, action: Action) {
  const [row] = await db
    .select({ projectId: pipelines.projectId, slug: projects.slug })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(pipelines.id, pipelineId));
  return requireVia(db, actor, "pipeline", pipelineId, action, row);
}

export async function requireRun(db: DbOrTx, actor: Actor, runId: string, action: Action) {
  const [row] = await db
    .select({ projectId: pipelines.projectId, slug: projects.slug })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(runs.id, runId));
  return requireVia(db, actor, "run", runId, action, row);
}

export async function requireTaskRun(db: DbOrTx, actor: Actor, taskRunId: string, action: Action) {
  const [row] = await db
    .select({ projectId: pipelines.projectId, slug: projects.slug })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(taskRuns.id, taskRunId));
  return requireVia(db, actor, "task run", taskRunId, action, row);
}

/**
 * Templates: the catalog is readable by every signed-in user; a project's templates are managed
 * by its maintainers; built-ins (and user templates made before projects) only by site admins.
 * Returns the template's project, or null for one outside any project.
 */
export async function requireTemplate(db: DbOrTx, actor: Actor, name: string, action: Action): Promise<ProjectAccess | null> {
  const [row] = await db
    .select({ projectId: templates.projectId, builtin: templates.builtin, slug: projects.slug })
    .from(templates)
    .leftJoin(projects, eq(projects.id, templates.projectId))
    .where(eq(templates.name, name));
  if (!row) throw notFound("template", name);
  checkScope(actor, action);
  const inProject = row.projectId ? { projectId: row.projectId, projectSlug: row.slug ?? "", role: "owner" as Role } : null;
  if (actor.role === "admin") return inProject;
  if (row.builtin || !row.projectId) {
    throw new AppError(
      "forbidden",
      `template '${name}' is ${row.builtin ? "built in" : "not in a project"}: only site administrators may change it`,
    );
  }
  return requireVia(db, actor, "template", name, action, { projectId: row.projectId, slug: row.slug ?? "" });
}

/** Whether the actor may manage a template (for pages deciding what to show). */
export async function mayManageTemplate(db: DbOrTx, actor: Actor, name: string): Promise<boolean> {
  try {
    await requireTemplate(db, actor, name, "template.manage");
    return true;
  } catch (e) {
    if (e instanceof AppError && (e.code === "forbidden" || e.code === "not_found")) return false;
    throw e;
  }
}

/** Only site administrators create users and projects for others (any user may create a project). */
export function requireSiteAdmin(actor: Actor, what: string) {
  if (actor.role !== "admin") throw new AppError("forbidden", `only site administrators may ${what}`);
  checkScope(actor, "project.manage");
}

export async function projectsByIds(db: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(projects).where(inArray(projects.id, ids));
}

/** Projects whose audit trail the actor may read; null = all, site-wide events included (site admin). */
export async function auditableProjectIds(db: DbOrTx, actor: Actor): Promise<string[] | null> {
  if (actor.role === "admin") return null;
  const roles = await rolesOf(db, actor);
  return [...roles].filter(([, r]) => roleAllows(r, "audit.view")).map(([id]) => id);
}
