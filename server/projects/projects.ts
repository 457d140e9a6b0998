import { randomUUID } from "node:crypto";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import { AppError, notFound } from "@/lib/errors";
import { ProjectSettingsSchema, type ProjectSettings, type Role, executorOf, namespaceOf } from "@/lib/projects";
import { config } from "../config";
import type { Db, DbOrTx } from "../db/client";
import { memberships, pipelines, projects, secrets, templates, users } from "../db/schema";
import { audit } from "../audit/audit";
import { rolesOf, type Actor, type ProjectAccess } from "../authz/authz";

export interface ProjectView {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  settings: ProjectSettings;
  namespace: string;
  /** The caller's role (site admins: owner). */
  role: Role;
  pipelines: number;
  members: number;
  createdAt: Date;
}

const isDuplicate = (e: unknown) => /ER_DUP_ENTRY|Duplicate entry/.test(String((e as { code?: string })?.code ?? (e as Error)?.message));

/** Projects the actor belongs to (site admins: all), by name, with the actor's role and counts. */
export async function listProjects(db: DbOrTx, actor: Actor): Promise<ProjectView[]> {
  return projectViews(db, actor);
}

/** One project as the actor sees it (they have been authorised for it). */
export async function getProject(db: DbOrTx, actor: Actor, access: ProjectAccess): Promise<ProjectView> {
  const [p] = await projectViews(db, actor, [access.projectId]);
  if (!p) throw notFound("project", access.projectSlug);
  return p;
}

/** Slugs and names only, for the project switcher on every page: no counts. */
export async function projectChoices(db: DbOrTx, actor: Actor): Promise<{ slug: string; name: string }[]> {
  const ids = [...(await rolesOf(db, actor)).keys()];
  if (ids.length === 0) return [];
  return db
    .select({ slug: projects.slug, name: projects.name })
    .from(projects)
    .where(inArray(projects.id, ids))
    .orderBy(asc(projects.name));
}

async function projectViews(db: DbOrTx, actor: Actor, only?: string[]): Promise<ProjectView[]> {
  const roles = await rolesOf(db, actor);
  const ids = only ? only.filter((id) => roles.has(id)) : [...roles.keys()];
  if (ids.length === 0) return [];
  const rows = await db.select().from(projects).where(inArray(projects.id, ids)).orderBy(asc(projects.name));
  const pc = await db
    .select({ id: pipelines.projectId, n: count() })
    .from(pipelines)
    .where(inArray(pipelines.projectId, ids))
    .groupBy(pipelines.projectId);
  const mc = await db
    .select({ id: memberships.projectId, n: count() })
    .from(memberships)
    .where(inArray(memberships.projectId, ids))
    .groupBy(memberships.projectId);
  const pn = new Map(pc.map((r) => [r.id, Number(r.n)]));
  const mn = new Map(mc.map((r) => [r.id, Number(r.n)]));
  return rows.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    settings: p.settings,
    namespace: namespaceOf(p, config().GANTRY_NAMESPACE),
    role: roles.get(p.id) ?? "viewer",
    pipelines: pn.get(p.id) ?? 0,
    members: mn.get(p.id) ?? 0,
    createdAt: p.createdAt,
  }));
}

/** Any signed-in user may create a project (a token needs the admin scope); they become its owner. */
export async function createProject(
  db: Db,
  actor: Actor,
  input: { slug: string; name: string; description?: string; settings?: ProjectSettings },
) {
  const id = randomUUID();
  const settings = ProjectSettingsSchema.parse(input.settings ?? {});
  try {
    await db.transaction(async (tx) => {
      await tx.insert(projects).values({ id, slug: input.slug, name: input.name, description: input.description ?? null, settings });
      await tx.insert(memberships).values({ projectId: id, userId: actor.id, role: "owner" });
      await audit(tx, actor, {
        action: "project.create",
        targetType: "project",
        targetId: id,
        targetName: input.slug,
        projectId: id,
        details: { settings },
      });
    });
  } catch (e) {
    if (isDuplicate(e)) throw new AppError("conflict", `a project with the slug '${input.slug}' already exists`);
    throw e;
  }
  return { id, slug: input.slug };
}

export async function updateProject(
  db: Db,
  actor: Actor,
  access: ProjectAccess,
  input: { name?: string; description?: string | null; settings?: ProjectSettings },
) {
  const given = input.settings === undefined ? undefined : ProjectSettingsSchema.parse(input.settings);
  await db.transaction(async (tx) => {
    // Privileged builds have their own door (setPrivilegedBuilds): a settings form that does not show them keeps them.
    const stored = given && !given.builds ? await storedSettings(tx, access.projectId) : undefined;
    const settings = given && stored?.builds ? { ...given, builds: stored.builds } : given;
    await tx
      .update(projects)
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(settings && { settings }),
        updatedAt: new Date(),
      })
      .where(eq(projects.id, access.projectId));
    await audit(tx, actor, {
      action: "project.update",
      targetType: "project",
      targetId: access.projectId,
      targetName: access.projectSlug,
      projectId: access.projectId,
      details: { name: input.name, settings },
    });
  });
  return getProject(db, actor, access);
}

/** Deleting a project that still owns pipelines or templates is refused: move or delete them first. */
export async function deleteProject(db: Db, actor: Actor, access: ProjectAccess) {
  if (access.projectSlug === "default") throw new AppError("conflict", "the default project cannot be deleted");
  await db.transaction(async (tx) => {
    const [{ n }] = await tx.select({ n: count() }).from(pipelines).where(eq(pipelines.projectId, access.projectId));
    const [{ t }] = await tx.select({ t: count() }).from(templates).where(eq(templates.projectId, access.projectId));
    if (Number(n) > 0 || Number(t) > 0) {
      throw new AppError("conflict", `project '${access.projectSlug}' still has ${n} pipeline(s) and ${t} template(s); delete them first`);
    }
    await tx.delete(secrets).where(eq(secrets.projectId, access.projectId));
    await tx.delete(projects).where(eq(projects.id, access.projectId));
    await audit(tx, actor, {
      action: "project.delete",
      targetType: "project",
      targetId: access.projectId,
      targetName: access.projectSlug,
      projectId: null,
    });
  });
}

// ---------------------------------------------------------------- members

export interface MemberView {
  userId: string;
  username: string;
  name: string;
  email: string | null;
  role: Role;
  since: Date;
}

export async function listMembers(db: DbOrTx, projectId: string): Promise<MemberView[]> {
  return db
    .select({
      userId: users.id,
      username: users.username,
      name: users.name,
      email: users.email,
      role: memberships.role,
      since: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.projectId, projectId))
    .orderBy(asc(users.username));
}

async function ownerCount(tx: DbOrTx, projectId: string) {
  const [{ n }] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.projectId, projectId), eq(memberships.role, "owner")));
  return Number(n);
}

/** Adds a member or changes their role. A project always keeps at least one owner. */
export async function setMember(db: Db, actor: Actor, access: ProjectAccess, username: string, role: Role) {
  const [u] = await db
    .select({ id: users.id, disabled: users.disabled, deletedAt: users.deletedAt })
    .from(users)
    .where(eq(users.username, username));
  // A deleted user keeps their row for the history but is no one to add.
  if (!u || u.deletedAt)
    throw new AppError("validation_failed", `no user named '${username}'`, {
      errors: [{ path: "username", message: `no user named '${username}'` }],
    });
  await db.transaction(async (tx) => {
    const [cur] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.projectId, access.projectId), eq(memberships.userId, u.id)))
      .for("update");
    if (cur?.role === role) return;
    if (cur?.role === "owner" && role !== "owner" && (await ownerCount(tx, access.projectId)) <= 1) {
      throw new AppError("conflict", `'${username}' is the last owner of '${access.projectSlug}'; make someone else owner first`);
    }
    if (cur)
      await tx
        .update(memberships)
        .set({ role })
        .where(and(eq(memberships.projectId, access.projectId), eq(memberships.userId, u.id)));
    else await tx.insert(memberships).values({ projectId: access.projectId, userId: u.id, role });
    await audit(tx, actor, {
      action: cur ? "member.update" : "member.add",
      targetType: "member",
      targetId: u.id,
      targetName: username,
      projectId: access.projectId,
      details: { role, previous: cur?.role ?? null },
    });
  });
  return { username, role };
}

export async function removeMember(db: Db, actor: Actor, access: ProjectAccess, username: string) {
  const [u] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
  if (!u) throw notFound("member", username);
  await db.transaction(async (tx) => {
    const [cur] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.projectId, access.projectId), eq(memberships.userId, u.id)))
      .for("update");
    if (!cur) throw notFound("member", username);
    if (cur.role === "owner" && (await ownerCount(tx, access.projectId)) <= 1) {
      throw new AppError("conflict", `'${username}' is the last owner of '${access.projectSlug}'; make someone else owner first`);
    }
    await tx.delete(memberships).where(and(eq(memberships.projectId, access.projectId), eq(memberships.userId, u.id)));
    await audit(tx, actor, {
      action: "member.remove",
      targetType: "member",
      targetId: u.id,
      targetName: username,
      projectId: access.projectId,
      details: { role: cur.role },
    });
  });
}

/** Every project with its namespace settings (the operator applies them to the cluster). */
export async function listProjectSettings(db: DbOrTx): Promise<{ id: string; slug: string; settings: ProjectSettings }[]> {
  return db.select({ id: projects.id, slug: projects.slug, settings: projects.settings }).from(projects);
}

/** Which executor runs the project's tasks (its setting, else the server's GANTRY_EXECUTOR). */
export async function projectExecutor(db: DbOrTx, projectId: string): Promise<"local" | "kubernetes"> {
  return (await projectRunSettings(db, projectId)).executor;
}

/** What a pipeline's tasks are checked against on save: where they run, and whether deploy tasks have an account. */
export async function projectRunSettings(
  db: DbOrTx,
  projectId: string,
): Promise<{ executor: "local" | "kubernetes"; deployServiceAccount: string | null }> {
  const [p] = await db.select({ settings: projects.settings }).from(projects).where(eq(projects.id, projectId));
  const s = p?.settings ?? {};
  return { executor: executorOf(s, config().GANTRY_EXECUTOR), deployServiceAccount: s.deployServiceAccount ?? null };
}

async function storedSettings(db: DbOrTx, projectId: string): Promise<ProjectSettings> {
  const [p] = await db.select({ settings: projects.settings }).from(projects).where(eq(projects.id, projectId)).for("update");
  return p?.settings ?? {};
}

/**
 * Turns the project's privileged builds on or off (maintainers: the `builds.manage` permission),
 * audited in the same transaction with what it was before. The operator relabels the namespace.
 */
export async function setPrivilegedBuilds(db: Db, actor: Actor, access: ProjectAccess, privileged: boolean) {
  await db.transaction(async (tx) => {
    const before = await storedSettings(tx, access.projectId);
    const { builds: _old, ...rest } = before;
    const settings: ProjectSettings = privileged ? { ...rest, builds: { privileged: true } } : rest;
    await tx.update(projects).set({ settings, updatedAt: new Date() }).where(eq(projects.id, access.projectId));
    await audit(tx, actor, {
      action: "project.builds",
      targetType: "project",
      targetId: access.projectId,
      targetName: access.projectSlug,
      projectId: access.projectId,
      details: { privileged, before: before.builds?.privileged === true },
    });
  });
  return getProject(db, actor, access);
}
