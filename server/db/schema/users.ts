import { sql } from "drizzle-orm";
import { boolean, int, mysqlTable, uniqueIndex, varchar, index } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";

export const users = mysqlTable(
  "users",
  {
    id: id().primaryKey(),
    username: varchar("username", { length: 64 }).notNull(),
    name: varchar("name", { length: 200 }).notNull(),
    email: varchar("email", { length: 254 }),
    passwordHash: varchar("password_hash", { length: 100 }),
    /** A disabled user can neither sign in nor use a token. */
    disabled: boolean("disabled").notNull().default(false),
    role: varchar("role", { length: 16 }).$type<"admin" | "user">().notNull().default("user"),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    /** When the user last signed in (password or single sign-on); API tokens do not count. */
    lastSignInAt: ts("last_sign_in_at"),
    /**
     * Set when an administrator deleted the user. The row stays, disabled and without password or
     * email, so that runs, versions, approvals and the audit trail keep naming who did what, and the
     * user name is never given to someone else (server/auth/user-lifecycle.ts).
     */
    deletedAt: ts("deleted_at"),
  },
  (t) => [uniqueIndex("users_username").on(t.username), index("users_email").on(t.email)],
);

export const apiTokens = mysqlTable(
  "api_tokens",
  {
    id: id().primaryKey(),
    userId: id("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    /** sha256 hex of the token; the token itself is shown once and never stored. */
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    scope: varchar("scope", { length: 16 }).$type<"read" | "run" | "admin">().notNull().default("admin"),
    expiresAt: ts("expires_at"),
    lastUsedAt: ts("last_used_at"),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("api_tokens_hash").on(t.tokenHash), index("api_tokens_user").on(t.userId)],
);

/** Sign-ins through OAuth/OIDC providers, linked to a local user. */
export const accounts = mysqlTable(
  "accounts",
  {
    id: id().primaryKey(),
    userId: id("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: varchar("provider", { length: 32 }).notNull(),
    providerAccountId: varchar("provider_account_id", { length: 255 }).notNull(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("accounts_provider_account").on(t.provider, t.providerAccountId), index("accounts_user").on(t.userId)],
);

/**
 * Failed sign-ins per key (user name or client address) in the current window. In the database
 * so that every web replica sees the same count.
 */
export const loginThrottle = mysqlTable("login_throttle", {
  key: varchar("key", { length: 200 }).primaryKey(),
  failures: int("failures").notNull(),
  windowStart: ts("window_start").notNull(),
  lockedUntil: ts("locked_until"),
});
