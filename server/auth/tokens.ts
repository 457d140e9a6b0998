import { createHash, randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { apiTokens, users } from "../db/schema";
import type { SessionUser } from "./users";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const newTokenSecret = () => `gtr_${randomBytes(24).toString("base64url")}`;

export async function createToken(db: DbOrTx, userId: string, name: string, scope: "read" | "run" | "admin" = "admin", expiresAt?: Date) {
  const token = newTokenSecret();
  await db.insert(apiTokens).values({ id: randomUUID(), userId, name, tokenHash: hashToken(token), scope, expiresAt: expiresAt ?? null });
  return token;
}

/** Makes `GANTRY_ADMIN_TOKEN` a valid admin token (idempotent). */
export async function ensureAdminToken(db: DbOrTx, token: string) {
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.username, "admin"));
  if (!admin) throw new Error("admin user missing; seed first");
  await db
    .insert(apiTokens)
    .values({ id: randomUUID(), userId: admin.id, name: "GANTRY_ADMIN_TOKEN", tokenHash: hashToken(token), scope: "admin" })
    .onDuplicateKeyUpdate({ set: { userId: admin.id } });
}

export type TokenLookup = { user: SessionUser & { scope: string } } | { problem: string };

/**
 * The user behind a bearer token, or why it is refused: unknown (never issued, or revoked),
 * expired (with when), or its user disabled. The reason goes into the 401 message.
 */
export async function lookupToken(db: DbOrTx, token: string): Promise<TokenLookup> {
  const h = hashToken(token);
  const [row] = await db
    .select({ u: users, t: apiTokens })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, h));
  if (!row) return { problem: "invalid or revoked API token" };
  const now = Date.now();
  if (row.t.expiresAt && row.t.expiresAt.getTime() <= now)
    return { problem: `API token '${row.t.name}' expired at ${row.t.expiresAt.toISOString()}` };
  if (row.u.disabled) return { problem: "the token's user is disabled" };
  // Last-use time is informational: recorded at most once a minute per token, and no request
  // waits for it, so a script's stream of API calls doesn't turn every read into a write.
  if (!row.t.lastUsedAt || now - row.t.lastUsedAt.getTime() > 60_000) {
    void db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiTokens.id, row.t.id))
      .catch(() => undefined);
  }
  return { user: { id: row.u.id, username: row.u.username, name: row.u.name, role: row.u.role, scope: row.t.scope } };
}

export async function userForToken(db: DbOrTx, token: string): Promise<(SessionUser & { scope: string }) | null> {
  const r = await lookupToken(db, token);
  return "user" in r ? r.user : null;
}
