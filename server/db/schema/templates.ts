import { sql } from "drizzle-orm";
import { boolean, int, json, mysqlTable, uniqueIndex, varchar, text } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { users } from "./users";
import { projects } from "./projects";
import type { TemplateDefinition } from "@/lib/template-schema";

export const templates = mysqlTable(
  "templates",
  {
    id: id().primaryKey(),
    name: varchar("name", { length: 63 }).notNull(),
    title: varchar("title", { length: 200 }).notNull(),
    category: varchar("category", { length: 50 }).notNull(),
    description: text("description").notNull(),
    icon: varchar("icon", { length: 50 }).notNull(),
    latestVersion: int("latest_version").notNull(),
    builtin: boolean("builtin").notNull().default(false),
    deprecated: boolean("deprecated").notNull().default(false),
    /** The project a user template belongs to (its maintainers edit it); null for built-ins. */
    projectId: id("project_id").references(() => projects.id, { onDelete: "restrict" }),
    /** Who added a user template (null for built-ins). */
    createdBy: id("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: ts("updated_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("templates_name").on(t.name)],
);

export const templateVersions = mysqlTable(
  "template_versions",
  {
    id: id().primaryKey(),
    templateId: id("template_id")
      .notNull()
      .references(() => templates.id, { onDelete: "cascade" }),
    version: int("version").notNull(),
    definition: json("definition").$type<TemplateDefinition>().notNull(),
    contentHash: varchar("content_hash", { length: 64 }).notNull(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("template_versions_tv").on(t.templateId, t.version)],
);
