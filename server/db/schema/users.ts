import { sql } from "drizzle-orm";
import { mysqlTable, uniqueIndex, varchar, index } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";

export const users = mysqlTable(
  "users",
  {
    id: id().primaryKey(),
    username: varchar("username", { length: 64 }).notNull(),
    name: varchar("name", { length: 200 }).notNull(),
    passwordHash: varchar("password_hash", { length: 100 }),
    role: varchar("role", { length: 16 }).$type<"admin" | "user">().notNull().default("user"),
    createdAt: ts("created_at").notNull().default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("users_username").on(t.username)],
);

export const apiTokens = mysqlTable(
  "api_tokens",
  {
    id: id().primaryKey(),
    userId: id("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    /** sha256 hex of the token; the token itself is shown once and never stored. */
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    scope: varchar("scope", { length: 16 }).$type<"read" | "run" | "admin">().notNull().default("admin"),
    expiresAt: ts("expires_at"),
    lastUsedAt: ts("last_used_at"),
    createdAt: ts("created_at").notNull().default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("api_tokens_hash").on(t.tokenHash), index("api_tokens_user").on(t.userId)],
);
