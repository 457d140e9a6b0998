import { sql } from "drizzle-orm";
import { int, json, mysqlTable, text, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { id, ts } from "./common";
import { users } from "./users";
import { projects } from "./projects";
import type { PipelineSpec } from "@/lib/pipeline-spec";

export const pipelines = mysqlTable(
  "pipelines",
  {
    id: id().primaryKey(),
    projectId: id("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "restrict" }),
    name: varchar("name", { length: 63 }).notNull(),
    description: text("description"),
    currentVersion: int("current_version").notNull(),
    createdBy: id("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    updatedAt: ts("updated_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  // Names are unique within a project; two teams may both have a `build`.
  (t) => [uniqueIndex("pipelines_project_name").on(t.projectId, t.name)],
);

export interface VersionCommit {
  sha: string;
  author: string;
  email?: string;
  /** The commit's page on the forge, when the event gave one. */
  url?: string;
}

/** Immutable: rows are only ever inserted. */
export const pipelineVersions = mysqlTable(
  "pipeline_versions",
  {
    id: id().primaryKey(),
    pipelineId: id("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    version: int("version").notNull(),
    spec: json("spec").$type<PipelineSpec>().notNull(),
    /** The text the author saved (YAML or JSON), kept so comments survive a round trip. */
    source: text("source"),
    message: varchar("message", { length: 500 }),
    authorId: id("author_id").references(() => users.id, { onDelete: "set null" }),
    /**
     * Template versions this version was saved with, by template name; runs use exactly these.
     * Null on versions saved before pinning existed: they follow the latest template versions.
     */
    templates: json("templates").$type<Record<string, number>>(),
    /** The commit a pipeline kept in its repository was read from (docs/repository.md, "Pipeline as code"). */
    commit: json("commit").$type<VersionCommit>(),
    createdAt: ts("created_at")
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [uniqueIndex("pipeline_versions_pv").on(t.pipelineId, t.version)],
);
