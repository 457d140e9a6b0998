import { and, eq, gt, gte, inArray, like, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { loginThrottle } from "../db/schema";

/**
 * Password guessing is slowed on three keys, counted in the database so that every web replica
 * sees the same numbers:
 * - the (user name, address) pair: past `perPair` failures each further failure makes that pair
 *   wait twice as long as the last (2 s, 4 s, 8 s … up to `maxDelayMs`). Only the guesser's own
 *   address waits, so someone else's failures cannot lock a user out of their own address;
 * - the client address: `perAddress` failures in the window lock it for `lockMs`, whatever names
 *   it tries;
 * - the user name: a ceiling far above the pair limit (`perUser`) for guessing spread over many
 *   addresses; reaching it locks the name for everyone for `lockMs`, until then or an admin's unlock.
 * While a key is locked, sign-ins are refused without checking the password, so a lock cannot be
 * used to test guesses.
 */

export interface ThrottleLimits {
  perPair: number;
  perUser: number;
  perAddress: number;
  windowMs: number;
  lockMs: number;
  maxDelayMs: number;
}

const userKey = (username: string) => `user:${username.toLowerCase()}`;
const addressKey = (address: string) => `addr:${address}`;
// The address may be unknown (a request in the instant before the server stamped peers); such
// requests share one pair per user name rather than escaping the pair limit.
const pairPrefix = (username: string) => `pair:${username.toLowerCase()}|`;
const pairKey = (username: string, address: string | null) => `${pairPrefix(username)}${address ?? "unknown"}`;

function keysFor(username: string, address: string | null) {
  const keys = [userKey(username), pairKey(username, address)];
  if (address) keys.push(addressKey(address));
  return keys;
}

/** When the sign-in may be tried again, if the pair, the user name or the address is locked now. */
export async function lockedUntil(db: DbOrTx, username: string, address: string | null, now = new Date()): Promise<Date | null> {
  const rows = await db
    .select()
    .from(loginThrottle)
    .where(inArray(loginThrottle.key, keysFor(username, address)));
  const until = rows.map((r) => r.lockedUntil).filter((d): d is Date => !!d && d > now);
  return until.length ? new Date(Math.max(...until.map((d) => d.getTime()))) : null;
}

/** The wait after the `failures`-th failure of a pair: none up to the limit, then 2 s, 4 s, 8 s … capped. */
export function pairDelayMs(failures: number, limits: Pick<ThrottleLimits, "perPair" | "maxDelayMs">): number {
  if (failures < limits.perPair) return 0;
  const doublings = Math.min(failures - limits.perPair + 1, 30);
  return Math.min(2 ** doublings * 1000, limits.maxDelayMs);
}

type Rule = { key: string; lockFor: (failures: number) => number; resetWhenUnlocked: boolean };

/** Counts a failed sign-in against the pair, the user name and the address; returns the lock, if any now. */
export async function recordFailure(
  db: DbOrTx,
  username: string,
  address: string | null,
  limits: ThrottleLimits,
  now = new Date(),
): Promise<Date | null> {
  let lock: Date | null = null;
  const rules: Rule[] = [
    // A pair's count survives its delays (else they would not grow); it starts again after a window without failures.
    { key: pairKey(username, address), lockFor: (n) => pairDelayMs(n, limits), resetWhenUnlocked: false },
    { key: userKey(username), lockFor: (n) => (n >= limits.perUser ? limits.lockMs : 0), resetWhenUnlocked: true },
  ];
  if (address)
    rules.push({ key: addressKey(address), lockFor: (n) => (n >= limits.perAddress ? limits.lockMs : 0), resetWhenUnlocked: true });
  for (const rule of rules) {
    await db.transaction(async (tx) => {
      // Make sure the row exists, then count under its lock so concurrent failures all count.
      await tx
        .insert(loginThrottle)
        .values({ key: rule.key, failures: 0, windowStart: now })
        .onDuplicateKeyUpdate({ set: { key: sql`${loginThrottle.key}` } });
      const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.key, rule.key)).for("update");
      const expired = rule.resetWhenUnlocked && row.lockedUntil !== null && row.lockedUntil <= now;
      const fresh = row.failures === 0 || now.getTime() - row.windowStart.getTime() >= limits.windowMs || expired;
      const failures = fresh ? 1 : row.failures + 1;
      const wait = rule.lockFor(failures);
      const until = wait > 0 ? new Date(now.getTime() + wait) : fresh ? null : row.lockedUntil;
      // A pair's window slides with each failure, so slow steady guessing keeps its delays.
      const windowStart = fresh || !rule.resetWhenUnlocked ? now : row.windowStart;
      await tx.update(loginThrottle).set({ failures, windowStart, lockedUntil: until }).where(eq(loginThrottle.key, rule.key));
      if (until && until > now && (!lock || until > lock)) lock = until;
    });
  }
  return lock;
}

/**
 * A successful sign-in clears its own pair only: the address's count stays (one good password
 * must not reset a guesser's budget), and so does the user name's ceiling.
 */
export async function recordSuccess(db: DbOrTx, username: string, address: string | null) {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, pairKey(username, address)));
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * An administrator's unlock: the user name's ceiling and every address's delays for it. Returns
 * how many of them had been locked or delayed in their current window.
 */
export async function unlockUser(db: DbOrTx, username: string): Promise<number> {
  const where = or(eq(loginThrottle.key, userKey(username)), like(loginThrottle.key, `${likeEscape(pairPrefix(username))}%`));
  const rows = await db.select().from(loginThrottle).where(where);
  await db.delete(loginThrottle).where(where);
  return rows.filter((r) => r.lockedUntil !== null).length;
}

export interface LockState {
  /** The user name is locked for every address until then (the ceiling was reached). */
  lockedUntil: Date | null;
  /**
   * Addresses past the pair limit for this user name in the current window: each further failure
   * from them waits longer (whether or not their last wait has run out).
   */
  delayedAddresses: number;
}

/** For the Users page and API: which users are locked or slowed now, by lower-cased user name. */
export async function lockStates(
  db: DbOrTx,
  usernames: string[],
  limits: Pick<ThrottleLimits, "perPair" | "windowMs">,
  now = new Date(),
): Promise<Map<string, LockState>> {
  const out = new Map<string, LockState>();
  if (usernames.length === 0) return out;
  const rows = await db
    .select()
    .from(loginThrottle)
    .where(
      or(
        and(like(loginThrottle.key, "user:%"), gt(loginThrottle.lockedUntil, now)),
        and(
          like(loginThrottle.key, "pair:%"),
          gte(loginThrottle.failures, limits.perPair),
          gt(loginThrottle.windowStart, new Date(now.getTime() - limits.windowMs)),
        ),
      ),
    );
  const wanted = new Set(usernames.map((u) => u.toLowerCase()));
  for (const r of rows) {
    const user = r.key.startsWith("user:") ? r.key.slice(5) : r.key.slice(5, r.key.lastIndexOf("|"));
    if (!wanted.has(user)) continue;
    const s = out.get(user) ?? { lockedUntil: null, delayedAddresses: 0 };
    if (r.key.startsWith("user:")) s.lockedUntil = r.lockedUntil;
    else s.delayedAddresses++;
    out.set(user, s);
  }
  return out;
}
