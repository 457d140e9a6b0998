import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { loginThrottle } from "../db/schema";

/**
 * Password guessing is slowed per user name and per client address: failures are counted in a
 * window; past the limit the key is locked for a while and sign-ins are refused without even
 * checking the password (so a lock cannot be used to probe it). In the database, so that every
 * web replica sees the same counts.
 */

export interface ThrottleLimits {
  perUser: number;
  perAddress: number;
  windowMs: number;
  lockMs: number;
}

const userKey = (username: string) => `user:${username.toLowerCase()}`;
const addressKey = (address: string) => `addr:${address}`;

function keysFor(username: string, address: string | null) {
  const keys = [userKey(username)];
  if (address) keys.push(addressKey(address));
  return keys;
}

/** When the sign-in may be tried again, if the user name or the address is locked now. */
export async function lockedUntil(db: Db, username: string, address: string | null, now = new Date()): Promise<Date | null> {
  const rows = await db.select().from(loginThrottle).where(inArray(loginThrottle.key, keysFor(username, address)));
  const until = rows.map((r) => r.lockedUntil).filter((d): d is Date => !!d && d > now);
  return until.length ? new Date(Math.max(...until.map((d) => d.getTime()))) : null;
}

/** Counts a failed sign-in against the user name and the address; returns the lock, if any now. */
export async function recordFailure(db: Db, username: string, address: string | null, limits: ThrottleLimits, now = new Date()): Promise<Date | null> {
  let lock: Date | null = null;
  const pairs: [string, number][] = [[userKey(username), limits.perUser]];
  if (address) pairs.push([addressKey(address), limits.perAddress]);
  for (const [key, max] of pairs) {
    await db.transaction(async (tx) => {
      // Make sure the row exists, then count under its lock so concurrent failures all count.
      await tx
        .insert(loginThrottle)
        .values({ key, failures: 0, windowStart: now })
        .onDuplicateKeyUpdate({ set: { key: sql`${loginThrottle.key}` } });
      const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.key, key)).for("update");
      const fresh = now.getTime() - row.windowStart.getTime() >= limits.windowMs || (row.lockedUntil !== null && row.lockedUntil <= now);
      const failures = fresh ? 1 : row.failures + 1;
      const until = failures >= max ? new Date(now.getTime() + limits.lockMs) : fresh ? null : row.lockedUntil;
      await tx
        .update(loginThrottle)
        .set({ failures, windowStart: fresh ? now : row.windowStart, lockedUntil: until })
        .where(eq(loginThrottle.key, key));
      if (until && until > now && (!lock || until > lock)) lock = until;
    });
  }
  return lock;
}

/** A successful sign-in clears the user name's count (not the address's: one good password elsewhere must not reset it). */
export async function recordSuccess(db: Db, username: string) {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, userKey(username)));
}
