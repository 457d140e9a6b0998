import { randomBytes, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import { and, asc, eq, isNull } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import { isDuplicateKey } from "../db/errors";
import { users } from "../db/schema";
import { throttleLimits } from "./auth-config";
import { lockStates, type LockState } from "./login-throttle";

export interface SessionUser {
  id: string;
  username: string;
  name: string;
  role: "admin" | "user";
}

export async function verifyPassword(db: DbOrTx, username: string, password: string): Promise<SessionUser | null> {
  const [u] = await db.select().from(users).where(eq(users.username, username));
  // Compare against a dummy hash when the user is unknown, so timing doesn't reveal usernames.
  const hash = u?.passwordHash ?? "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.jl5Qe1s2k4p7e5Q0sQ3yV7wE7mYW";
  const ok = await bcrypt.compare(password, hash);
  if (!u || !ok || u.disabled) return null;
  return { id: u.id, username: u.username, name: u.name, role: u.role };
}

export async function getUser(db: DbOrTx, id: string): Promise<SessionUser | null> {
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return u && !u.disabled ? { id: u.id, username: u.username, name: u.name, role: u.role } : null;
}

/**
 * Creates the `admin` user when missing. Returns the password only when it was generated now,
 * so that the caller can print it exactly once.
 */
export async function ensureAdmin(db: DbOrTx, password?: string): Promise<{ created: boolean; generatedPassword?: string }> {
  const [u] = await db.select().from(users).where(eq(users.username, "admin"));
  if (u) {
    if (password && !(await bcrypt.compare(password, u.passwordHash ?? ""))) {
      await db
        .update(users)
        .set({ passwordHash: await bcrypt.hash(password, 10) })
        .where(eq(users.id, u.id));
    }
    return { created: false };
  }
  // An empty password counts as none, as the update above has it: one is generated.
  const initial = password || randomBytes(12).toString("base64url");
  await db.insert(users).values({
    id: randomUUID(),
    username: "admin",
    name: "Administrator",
    role: "admin",
    passwordHash: await bcrypt.hash(initial, 10),
  });
  return { created: true, generatedPassword: password ? undefined : initial };
}

export interface UserView {
  id: string;
  username: string;
  name: string;
  email: string | null;
  role: "admin" | "user";
  disabled: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
  /** The user name is locked for every address until then (the sign-in ceiling was reached). */
  lockedUntil: Date | null;
  /** Addresses that must wait before trying this user name again. */
  delayedAddresses: number;
}

/** Site administrators add users; a user without a password signs in only through SSO. */
export async function createUser(
  db: DbOrTx,
  input: { username: string; name: string; email?: string; password?: string; role: "admin" | "user" },
): Promise<UserView> {
  const id = randomUUID();
  try {
    await db.insert(users).values({
      id,
      username: input.username,
      name: input.name,
      email: input.email ?? null,
      role: input.role,
      passwordHash: input.password ? await bcrypt.hash(input.password, 10) : null,
    });
  } catch (e) {
    if (isDuplicateKey(e)) {
      const [old] = await db.select({ deletedAt: users.deletedAt }).from(users).where(eq(users.username, input.username));
      if (old?.deletedAt) {
        throw new AppError(
          "conflict",
          `the user name '${input.username}' belonged to a deleted user and stays reserved, so that the history keeps meaning one person; choose another`,
        );
      }
      throw new AppError("conflict", `a user named '${input.username}' already exists`);
    }
    throw e;
  }
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return userView(u);
}

/** Every user but the deleted ones, with their sign-in locks. */
export async function listUsers(db: DbOrTx): Promise<UserView[]> {
  const rows = await db.select().from(users).where(isNull(users.deletedAt)).orderBy(asc(users.username));
  const locks = await lockStates(
    db,
    rows.map((u) => u.username),
    throttleLimits(),
  );
  return rows.map((u) => userView(u, locks.get(u.username.toLowerCase())));
}

/** One user (not deleted), with their sign-in locks; null when there is none. */
export async function getUserView(db: DbOrTx, id: string): Promise<UserView | null> {
  const [u] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)));
  if (!u) return null;
  return userView(u, (await lockStates(db, [u.username], throttleLimits())).get(u.username.toLowerCase()));
}

/** Remembers a successful sign-in for the Users page; never fails the sign-in. */
export async function recordSignIn(db: DbOrTx, id: string, now = new Date()) {
  await db
    .update(users)
    .set({ lastSignInAt: now })
    .where(eq(users.id, id))
    .catch(() => undefined);
}

function userView(u: typeof users.$inferSelect, lock?: LockState): UserView {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    email: u.email,
    role: u.role,
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt,
    lockedUntil: lock?.lockedUntil ?? null,
    delayedAddresses: lock?.delayedAddresses ?? 0,
  };
}
