import { and, count, eq, inArray, isNull, or } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { audit, type AuditActor } from "../audit/audit";
import type { DbOrTx } from "../db/client";
import { accounts, apiTokens, memberships, projects, users } from "../db/schema";
import { unlockUser } from "./login-throttle";
import { getUserView, type UserView } from "./users";

/**
 * What site administrators do to users: change their name, email or role, disable and enable
 * them, delete them, and lift sign-in locks. Every change is audited in its transaction.
 *
 * Two rules hold under concurrent requests: there is always one enabled administrator left, and
 * nobody disables, demotes or deletes themselves (another administrator must). Each change first
 * locks the enabled administrators and the target in one statement, so two changes that would
 * each leave "one other admin" wait for each other instead of both passing.
 */

export interface UserPatch {
  name?: string;
  email?: string | null;
  role?: "admin" | "user";
  disabled?: boolean;
}

type UserRow = typeof users.$inferSelect;
type Actor = AuditActor & { id: string };

/** Locks the target and every enabled administrator; returns the target (live users only) and how many enabled admins there are. */
async function lockForChange(tx: DbOrTx, id: string): Promise<{ target: UserRow; enabledAdmins: number }> {
  const rows = await tx
    .select()
    .from(users)
    .where(or(eq(users.id, id), and(eq(users.role, "admin"), eq(users.disabled, false), isNull(users.deletedAt))))
    .for("update");
  const target = rows.find((r) => r.id === id && r.deletedAt === null);
  if (!target) throw new AppError("not_found", `user '${id}' not found`);
  return { target, enabledAdmins: rows.filter((r) => r.role === "admin" && !r.disabled && r.deletedAt === null).length };
}

function refuseLastAdmin(target: UserRow, enabledAdmins: number, what: string) {
  if (target.role === "admin" && !target.disabled && enabledAdmins <= 1) {
    throw new AppError(
      "conflict",
      `cannot ${what} '${target.username}': it is the last enabled administrator; make another user an administrator first`,
    );
  }
}

function refuseSelf(actor: Actor, target: UserRow, what: string) {
  if (actor.id === target.id) throw new AppError("conflict", `you cannot ${what} your own account; another administrator can`);
}

/** Projects the user is the only owner of, which deleting them would leave without one. */
async function soleOwnerOf(tx: DbOrTx, userId: string): Promise<string[]> {
  const owned = await tx
    .select({ projectId: memberships.projectId })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.role, "owner")));
  if (owned.length === 0) return [];
  const ids = owned.map((o) => o.projectId);
  const owners = await tx
    .select({ projectId: memberships.projectId, slug: projects.slug, n: count() })
    .from(memberships)
    .innerJoin(projects, eq(projects.id, memberships.projectId))
    .where(and(inArray(memberships.projectId, ids), eq(memberships.role, "owner")))
    .groupBy(memberships.projectId, projects.slug);
  return owners.filter((o) => Number(o.n) <= 1).map((o) => o.slug);
}

/** PATCH /users/{id}: name, email, role, disabled. Disabling ends the user's sessions and tokens at once (they are checked on every request). */
export async function updateUser(db: DbOrTx, actor: Actor, id: string, patch: UserPatch): Promise<UserView> {
  await db.transaction(async (tx) => {
    const { target, enabledAdmins } = await lockForChange(tx, id);
    const disabling = patch.disabled === true && !target.disabled;
    const demoting = patch.role === "user" && target.role === "admin";
    if (disabling) {
      refuseSelf(actor, target, "disable");
      refuseLastAdmin(target, enabledAdmins, "disable");
    }
    if (demoting) {
      refuseSelf(actor, target, "demote");
      refuseLastAdmin(target, enabledAdmins, "demote");
    }
    const set: Partial<UserRow> = {};
    const changes: Record<string, unknown> = {};
    if (patch.name !== undefined && patch.name !== target.name) {
      set.name = patch.name;
      changes.name = patch.name;
    }
    if (patch.email !== undefined && (patch.email ?? null) !== target.email) {
      set.email = patch.email ?? null;
      changes.email = patch.email ?? null;
    }
    if (patch.role !== undefined && patch.role !== target.role) {
      set.role = patch.role;
      changes.role = patch.role;
    }
    if (patch.disabled !== undefined && patch.disabled !== target.disabled) set.disabled = patch.disabled;
    if (Object.keys(set).length === 0) return;
    await tx.update(users).set(set).where(eq(users.id, id));
    const entry = { targetType: "user" as const, targetId: id, targetName: target.username };
    if (set.disabled !== undefined) await audit(tx, actor, { ...entry, action: set.disabled ? "user.disable" : "user.enable" });
    if (Object.keys(changes).length) await audit(tx, actor, { ...entry, action: "user.update", details: changes });
  });
  return viewOf(db, id);
}

/**
 * DELETE /users/{id}. The row stays as a tombstone (disabled, no password, no email) so that every
 * run, version, approval and audit event keeps naming who did it, and the user name stays taken so
 * it never comes to mean someone else. Their API tokens, single sign-on links and project
 * memberships go at once.
 */
export async function deleteUser(db: DbOrTx, actor: Actor, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { target, enabledAdmins } = await lockForChange(tx, id);
    refuseSelf(actor, target, "delete");
    refuseLastAdmin(target, enabledAdmins, "delete");
    const sole = await soleOwnerOf(tx, id);
    if (sole.length) {
      throw new AppError(
        "conflict",
        `cannot delete '${target.username}': they are the only owner of ${sole.map((x) => `'${x}'`).join(", ")}; make someone else owner first`,
      );
    }
    const [tokens] = await tx.delete(apiTokens).where(eq(apiTokens.userId, id));
    const [links] = await tx.delete(accounts).where(eq(accounts.userId, id));
    const [members] = await tx.delete(memberships).where(eq(memberships.userId, id));
    await tx.update(users).set({ deletedAt: new Date(), disabled: true, passwordHash: null, email: null }).where(eq(users.id, id));
    await unlockUser(tx, target.username);
    await audit(tx, actor, {
      action: "user.delete",
      targetType: "user",
      targetId: id,
      targetName: target.username,
      details: { tokens: tokens.affectedRows, ssoLinks: links.affectedRows, memberships: members.affectedRows },
    });
  });
}

/** POST /users/{id}/unlock: lifts the user name's lock and every address's delays for it. */
export async function unlockUserSignIn(db: DbOrTx, actor: Actor, id: string): Promise<{ user: UserView; cleared: number }> {
  const user = await viewOf(db, id);
  const cleared = await db.transaction(async (tx) => {
    const n = await unlockUser(tx, user.username);
    await audit(tx, actor, { action: "user.unlock", targetType: "user", targetId: id, targetName: user.username, details: { locks: n } });
    return n;
  });
  return { user: await viewOf(db, id), cleared };
}

/** The user as the Users page shows them; not found once deleted (meanwhile, by someone else). */
async function viewOf(db: DbOrTx, id: string): Promise<UserView> {
  const user = await getUserView(db, id);
  if (!user) throw new AppError("not_found", `user '${id}' not found`);
  return user;
}
