import { sql } from "drizzle-orm";
import { bigint, index, json, mysqlTable, primaryKey, text, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { users } from "./users";
import type { ProjectSettings, Role } from "@/lib/projects";

/**
 * A project owns pipelines, user templates, secrets and schedules; in Kubernetes mode it maps to
 * a namespace. The `default` project (created by the migration) holds what existed before.
 */
export const projects = mysqlTable(
  "projects",
  {
    id: id().primaryKey(),
    /** DNS label: used in URLs and as the default namespace suffix. */
    slug: varchar("slug", { length: 40 }).notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    settings: json("settings").$type<ProjectSettings>().notNull(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: ts("updated_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("projects_slug").on(t.slug)],
);

export const memberships = mysqlTable(
  "memberships",
  {
    projectId: id("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: id("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: varchar("role", { length: 16 }).$type<Role>().notNull(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index("memberships_user").on(t.userId)],
);

/** Project secrets: AES-256-GCM ciphertext (iv ‖ tag ‖ data, base64) under the key `key_id`. */
export const secrets = mysqlTable(
  "secrets",
  {
    id: id().primaryKey(),
    projectId: id("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    description: varchar("description", { length: 500 }),
    ciphertext: text("ciphertext").notNull(),
    keyId: varchar("key_id", { length: 64 }).notNull(),
    createdBy: id("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: ts("updated_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("secrets_project_name").on(t.projectId, t.name)],
);

/** Who, what, when, from where: rows are only ever inserted. */
export const auditEvents = mysqlTable(
  "audit_events",
  {
    id: bigint("id", { mode: "number" }).autoincrement().primaryKey(),
    actorId: id("actor_id"),
    /** Kept as text so the trail survives the user's deletion. */
    actorName: varchar("actor_name", { length: 64 }).notNull(),
    action: varchar("action", { length: 64 }).notNull(),
    targetType: varchar("target_type", { length: 32 }).notNull(),
    targetId: varchar("target_id", { length: 64 }),
    targetName: varchar("target_name", { length: 200 }),
    projectId: id("project_id"),
    address: varchar("address", { length: 64 }),
    details: json("details").$type<Record<string, unknown>>(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    index("audit_project_time").on(t.projectId, t.createdAt),
    index("audit_time").on(t.createdAt),
    index("audit_actor").on(t.actorId),
  ],
);

export type ProjectRow = typeof projects.$inferSelect;
