import { randomUUID } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import { AppError, notFound } from "@/lib/errors";
import type { Scope } from "@/lib/permissions";
import { audit } from "../audit/audit";
import type { Actor } from "../authz/authz";
import type { Db } from "../db/client";
import { apiTokens, users } from "../db/schema";
import { hashToken, newTokenSecret } from "./tokens";

/**
 * Personal API tokens: each user manages their own (site administrators may revoke anyone's).
 * The token is returned once, at creation; only its sha256 is stored.
 */

const RANK: Record<Scope, number> = { read: 0, run: 1, admin: 2 };

export interface TokenView {
  id: string;
  name: string;
  scope: Scope;
  owner: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  expired: boolean;
}

function view(t: typeof apiTokens.$inferSelect, owner: string, now = Date.now()): TokenView {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    owner,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    expired: !!t.expiresAt && t.expiresAt.getTime() <= now,
  };
}

/** The caller's own tokens, newest first (expired ones too, marked, until they are revoked). */
export async function listTokens(db: Db, actor: Pick<Actor, "id" | "username">): Promise<TokenView[]> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, actor.id)).orderBy(desc(apiTokens.createdAt));
  return rows.map((t) => view(t, actor.username));
}

/**
 * A token may only be made through a session or through an admin-scoped token, and never with a
 * wider scope than the one it is made through — so a leaked read token cannot mint itself more.
 */
export async function issueToken(
  db: Db,
  actor: Actor,
  input: { name: string; scope: Scope; expiresAt?: Date | null },
): Promise<TokenView & { token: string }> {
  if (actor.via === "token" && actor.scope !== "admin") {
    throw new AppError("forbidden", `this token's scope '${actor.scope}' does not allow creating tokens; it needs 'admin'`);
  }
  if (RANK[input.scope] > RANK[actor.scope]) {
    throw new AppError("forbidden", `a '${actor.scope}' token cannot create a '${input.scope}' token`);
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new AppError("validation_failed", "expiresAt must be in the future", {
      errors: [{ path: "expiresAt", message: "must be in the future" }],
    });
  }
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const token = newTokenSecret();
    await tx.insert(apiTokens).values({
      id,
      userId: actor.id,
      name: input.name,
      tokenHash: hashToken(token),
      scope: input.scope,
      expiresAt: input.expiresAt ?? null,
    });
    const [row] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id));
    await audit(tx, actor, {
      action: "token.create",
      targetType: "token",
      targetId: row.id,
      targetName: input.name,
      details: { scope: input.scope, expiresAt: input.expiresAt?.toISOString() ?? null },
    });
    return { ...view(row, actor.username), token };
  });
}

/** Revokes (deletes) a token: the caller's own, or anyone's for a site administrator. */
export async function revokeToken(db: Db, actor: Actor, id: string): Promise<void> {
  if (actor.via === "token" && actor.scope !== "admin") {
    throw new AppError("forbidden", `this token's scope '${actor.scope}' does not allow revoking tokens; it needs 'admin'`);
  }
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ t: apiTokens, owner: users.username })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.id, id))
      .for("update");
    // Someone else's token is as invisible as a missing one, unless the caller is a site admin.
    if (!row || (row.t.userId !== actor.id && actor.role !== "admin")) throw notFound("token", id);
    await tx.delete(apiTokens).where(eq(apiTokens.id, id));
    await audit(tx, actor, {
      action: "token.revoke",
      targetType: "token",
      targetId: id,
      targetName: row.t.name,
      details: { owner: row.owner, scope: row.t.scope },
    });
  });
}
