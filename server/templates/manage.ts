import { and, desc, eq, sql } from "drizzle-orm";
import { LineCounter, parseDocument } from "yaml";
import { AppError, notFound, validationFailed } from "@/lib/errors";
import { lineOf } from "@/lib/parse-spec";
import { checkTemplateExpressions } from "@/lib/expressions/check-template";
import { zodIssuesToFieldErrors, type FieldError, type PipelineSpec } from "@/lib/pipeline-spec";
import { TemplateDefinitionSchema, type TemplateDefinition } from "@/lib/template-schema";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, pipelineVersions, templates, templateVersions, users } from "../db/schema";
import { isDuplicate } from "../pipelines/pipelines";
import { templateNames } from "../pipelines/pins";
import { getTemplate, upsertTemplate } from "./catalog";
import { schemaErrors, validateParams } from "./params";

/**
 * User templates: add, new version, deprecate, delete. Built-ins are owned by `templates/*.yaml`
 * and change only with a release, so users can neither edit nor delete them. A template that
 * any pipeline version uses cannot be deleted (runs of that version would break): deprecate it.
 */

/**
 * Validates a template definition from a request body: its shape (zod), its params schema as a
 * JSON Schema (ajv compiles it) and its example task against that schema. Field errors carry
 * the YAML line when the body was YAML.
 */
export function parseTemplateDefinition(value: unknown, yamlText?: string): TemplateDefinition {
  const withLines = (errors: FieldError[]) => {
    if (!yamlText) return errors;
    const lc = new LineCounter();
    const doc = parseDocument(yamlText, { lineCounter: lc });
    return errors.map((e) => ({ ...e, line: lineOf(doc, lc, e.path) }));
  };
  const r = TemplateDefinitionSchema.safeParse(value);
  if (!r.success) throw validationFailed(withLines(zodIssuesToFieldErrors(r.error.issues)), "template");
  const def = r.data;
  const errors: FieldError[] = [];
  if (def.paramsSchema.type !== undefined && def.paramsSchema.type !== "object") {
    errors.push({ path: "paramsSchema.type", message: "params are an object: the schema's type must be 'object'" });
  }
  const schemaErrs = schemaErrors(def.paramsSchema);
  for (const e of schemaErrs)
    errors.push({ path: e.path ? `paramsSchema.${e.path}` : "paramsSchema", message: `not a valid JSON Schema: ${e.message}` });
  const problem = schemaErrs.length > 0;
  if (def.example) {
    if (def.example.template !== def.name)
      errors.push({ path: "example.template", message: `must be '${def.name}', the template's own name` });
    if (!problem) {
      const p = validateParams(def.paramsSchema, def.example.params, "example.params", { deferRefs: true });
      if (!p.ok) errors.push(...p.errors);
    }
  }
  if (!def.local.supported && !def.local.reason) errors.push({ path: "local.reason", message: "say why the template cannot run locally" });
  errors.push(...checkTemplateExpressions(def));
  if (errors.length) throw validationFailed(withLines(errors), "template");
  return def;
}

async function templateRow(db: DbOrTx, name: string) {
  const [row] = await db.select().from(templates).where(eq(templates.name, name));
  if (!row) throw notFound("template", name);
  return row;
}

function refuseBuiltin(row: { builtin: boolean; name: string }, what: string) {
  if (row.builtin) {
    throw new AppError("forbidden", `'${row.name}' is a built-in template and cannot be ${what}; add a copy under another name instead`);
  }
}

export async function createTemplate(
  db: Db,
  def: TemplateDefinition,
  userId: string | null,
  projectId: string | null = null,
): Promise<{ name: string; version: number }> {
  const [existing] = await db.select({ builtin: templates.builtin }).from(templates).where(eq(templates.name, def.name));
  if (existing) {
    throw new AppError(
      "conflict",
      existing.builtin
        ? `'${def.name}' is a built-in template; choose another name`
        : `a template named '${def.name}' already exists; PUT /api/v1/templates/${def.name} adds a new version`,
    );
  }
  try {
    await db.transaction(async (tx) => {
      await upsertTemplate(tx, def, false);
      await tx.update(templates).set({ createdBy: userId, projectId }).where(eq(templates.name, def.name));
    });
  } catch (e) {
    if (isDuplicate(e)) throw new AppError("conflict", `a template named '${def.name}' already exists`);
    throw e;
  }
  return { name: def.name, version: 1 };
}

/** A new version of a user template; an identical definition keeps the current version. */
export async function updateTemplate(
  db: Db,
  name: string,
  def: TemplateDefinition,
): Promise<{ name: string; version: number; changed: boolean }> {
  if (def.name !== name)
    throw validationFailed(
      [{ path: "name", message: `must be '${name}' (the template being edited); renaming is not supported` }],
      "template",
    );
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(templates).where(eq(templates.name, name)).for("update");
    if (!row) throw notFound("template", name);
    refuseBuiltin(row, "edited");
    const version = await upsertTemplate(tx, def, false);
    return { name, version, changed: version !== row.latestVersion };
  });
}

export async function setDeprecated(db: Db, name: string, deprecated: boolean): Promise<{ name: string; deprecated: boolean }> {
  const row = await templateRow(db, name);
  refuseBuiltin(row, deprecated ? "deprecated" : "changed");
  await db.update(templates).set({ deprecated, updatedAt: new Date() }).where(eq(templates.id, row.id));
  return { name, deprecated };
}

export async function deleteTemplate(db: Db, name: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(templates).where(eq(templates.name, name)).for("update");
    if (!row) throw notFound("template", name);
    refuseBuiltin(row, "deleted");
    const users = await templateUsage(tx, name);
    if (users.length) {
      const names = users.slice(0, 5).map((u) => `${u.name} (version${u.versions.length > 1 ? "s" : ""} ${u.versions.join(", ")})`);
      throw new AppError(
        "conflict",
        `template '${name}' is used by ${users.length} pipeline${users.length > 1 ? "s" : ""}: ${names.join("; ")}${users.length > 5 ? "; …" : ""}. Deprecate it instead`,
        { pipelines: users.map((u) => ({ id: u.id, name: u.name, versions: u.versions })) },
      );
    }
    await tx.delete(templates).where(eq(templates.id, row.id));
  });
}

export interface TemplateUse {
  id: string;
  name: string;
  /** Versions of the pipeline whose spec has a task made from the template, newest first. */
  versions: number[];
  /** Whether the pipeline's current version uses it (and with which template version, when pinned). */
  current: boolean;
  pinnedVersion: number | null;
}

/** Pipelines with any version using the template. */
export async function templateUsage(db: DbOrTx, name: string): Promise<TemplateUse[]> {
  // JSON_SEARCH narrows the scan to versions mentioning the name anywhere; the exact check
  // (a task's `template` field) is done here. Names are DNS labels, so no LIKE wildcards.
  const rows = await db
    .select({
      pid: pipelines.id,
      pname: pipelines.name,
      current: pipelines.currentVersion,
      version: pipelineVersions.version,
      spec: pipelineVersions.spec,
      pins: pipelineVersions.templates,
    })
    .from(pipelineVersions)
    .innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId))
    .where(sql`json_search(${pipelineVersions.spec}, 'one', ${name}) is not null`)
    .orderBy(pipelines.name, desc(pipelineVersions.version));
  const byId = new Map<string, TemplateUse>();
  for (const r of rows) {
    const spec = typeof r.spec === "string" ? JSON.parse(r.spec) : r.spec;
    if (!templateNames(spec as PipelineSpec).includes(name)) continue;
    let u = byId.get(r.pid);
    if (!u) byId.set(r.pid, (u = { id: r.pid, name: r.pname, versions: [], current: false, pinnedVersion: null }));
    u.versions.push(r.version);
    if (r.version === r.current) {
      u.current = true;
      u.pinnedVersion = r.pins?.[name] ?? null;
    }
  }
  return [...byId.values()];
}

export interface TemplateVersionSummary {
  version: number;
  createdAt: Date;
  image: string;
}

export async function listTemplateVersions(db: DbOrTx, name: string): Promise<TemplateVersionSummary[]> {
  const row = await templateRow(db, name);
  const rows = await db
    .select({ version: templateVersions.version, createdAt: templateVersions.createdAt, definition: templateVersions.definition })
    .from(templateVersions)
    .where(eq(templateVersions.templateId, row.id))
    .orderBy(desc(templateVersions.version));
  return rows.map((r) => ({ version: r.version, createdAt: r.createdAt, image: r.definition.image }));
}

export async function getTemplateVersion(db: DbOrTx, name: string, version: number) {
  const t = await getTemplate(db, name, version);
  const [row] = await db
    .select({ createdAt: templateVersions.createdAt })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(and(eq(templates.name, name), eq(templateVersions.version, version)));
  return { ...t, createdAt: row?.createdAt ?? null };
}

/** Who added a user template (for the catalog page). */
export async function templateAuthor(db: DbOrTx, name: string): Promise<string | null> {
  const [row] = await db
    .select({ username: users.username })
    .from(templates)
    .leftJoin(users, eq(users.id, templates.createdBy))
    .where(eq(templates.name, name));
  return row?.username ?? null;
}
