import { randomUUID } from "node:crypto";
import { and, eq, like, or } from "drizzle-orm";
import { audit } from "../audit/audit";
import type { Db } from "../db/client";
import { isDuplicateKey } from "../db/errors";
import { accounts, users } from "../db/schema";
import type { SessionUser } from "./users";

/**
 * Single sign-on: who a provider account is in Gantry. The rules, in order:
 * 1. an account already linked to a user is that user;
 * 2. else a local user with the same email — only when the provider says the email is verified —
 *    gets the account linked;
 * 3. else a new user is created (unless GANTRY_SSO_AUTO_CREATE=false).
 * A disabled user is refused at every step.
 */

export interface SsoIdentity {
  provider: string;
  providerAccountId: string;
  email?: string | null;
  emailVerified: boolean;
  /** preferred_username (OIDC), login (GitHub), username (GitLab): the wish for a new user's name. */
  username?: string | null;
  name?: string | null;
}

export type SsoResult = { user: SessionUser; how: "linked" | "matched" | "created" } | { refused: string };

/** A valid Gantry user name (`[a-z0-9][a-z0-9._-]*`, ≤ 64) from whatever the provider offers. */
export function usernameBase(id: SsoIdentity): string {
  const raw = id.username || id.email?.split("@")[0] || id.name || "user";
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 56)
    .replace(/[._-]+$/, "");
  return clean.length >= 2 ? clean : `user-${clean}`.replace(/-$/, "");
}

async function uniqueUsername(db: Db, base: string): Promise<string> {
  const taken = new Set(
    (
      await db
        .select({ u: users.username })
        .from(users)
        .where(or(eq(users.username, base), like(users.username, `${base}-%`)))
    ).map((r) => r.u),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

const sessionUser = (u: typeof users.$inferSelect): SessionUser => ({ id: u.id, username: u.username, name: u.name, role: u.role });
const disabled = "This Gantry account is disabled; ask an administrator.";

export async function resolveSsoUser(db: Db, id: SsoIdentity, opts: { autoCreate: boolean; providerName: string }): Promise<SsoResult> {
  const linked = await db
    .select({ u: users })
    .from(accounts)
    .innerJoin(users, eq(users.id, accounts.userId))
    .where(and(eq(accounts.provider, id.provider), eq(accounts.providerAccountId, id.providerAccountId)));
  if (linked[0]) return linked[0].u.disabled ? { refused: disabled } : { user: sessionUser(linked[0].u), how: "linked" };

  const email = id.email?.trim().toLowerCase() || null;
  if (email && id.emailVerified) {
    const same = await db.select().from(users).where(eq(users.email, email));
    // Two local users with one email: ambiguous, so link neither (fall through to the refusal/creation).
    if (same.length === 1) {
      const u = same[0];
      if (u.disabled) return { refused: disabled };
      return link(db, u, id, "matched");
    }
  }

  if (!opts.autoCreate) {
    return {
      refused: `No Gantry user matches this ${opts.providerName} account${email ? ` (${email})` : ""}. Ask an administrator to add you with that email address.`,
    };
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const username = await uniqueUsername(db, usernameBase(id));
    const userId = randomUUID();
    try {
      await db.transaction(async (tx) => {
        await tx.insert(users).values({
          id: userId,
          username,
          name: (id.name || username).slice(0, 200),
          // Only a verified address is kept: email is what later sign-ins are matched on.
          email: email && id.emailVerified ? email : null,
          role: "user",
          passwordHash: null,
        });
        await tx.insert(accounts).values({ id: randomUUID(), userId, provider: id.provider, providerAccountId: id.providerAccountId });
        await audit(
          tx,
          { id: userId, username, address: null },
          {
            action: "user.create",
            targetType: "user",
            targetId: userId,
            targetName: username,
            details: { via: id.provider },
          },
        );
      });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      // Someone took the name, or the same account signed in twice at once: look again.
      const again = await resolveSsoUser(db, id, { ...opts, autoCreate: attempt < 2 });
      if ("user" in again) return again;
      continue;
    }
    const [u] = await db.select().from(users).where(eq(users.id, userId));
    return { user: sessionUser(u), how: "created" };
  }
  return { refused: "Could not create a Gantry user for this account; try again." };
}

async function link(db: Db, u: typeof users.$inferSelect, id: SsoIdentity, how: "matched"): Promise<SsoResult> {
  try {
    await db.transaction(async (tx) => {
      await tx.insert(accounts).values({ id: randomUUID(), userId: u.id, provider: id.provider, providerAccountId: id.providerAccountId });
      await audit(
        tx,
        { id: u.id, username: u.username, address: null },
        {
          action: "user.link",
          targetType: "user",
          targetId: u.id,
          targetName: u.username,
          details: { via: id.provider },
        },
      );
    });
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
  }
  return { user: sessionUser(u), how };
}

/** The user an already linked provider account belongs to (after resolveSsoUser ran). */
export async function userForAccount(db: Db, provider: string, providerAccountId: string): Promise<SessionUser | null> {
  const [row] = await db
    .select({ u: users })
    .from(accounts)
    .innerJoin(users, eq(users.id, accounts.userId))
    .where(and(eq(accounts.provider, provider), eq(accounts.providerAccountId, providerAccountId)));
  return row && !row.u.disabled ? sessionUser(row.u) : null;
}
