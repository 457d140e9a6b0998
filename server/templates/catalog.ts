import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { and, asc, eq, inArray } from "drizzle-orm";
import { parse } from "yaml";
import { checkTemplateExpressions } from "@/lib/expressions/check-template";
import { TemplateDefinitionSchema, type TemplateDefinition } from "@/lib/template-schema";
import { zodIssuesToFieldErrors } from "@/lib/pipeline-spec";
import { notFound, validationFailed } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import { templates, templateVersions } from "../db/schema";

export const BUILTIN_DIR = path.join(process.cwd(), "templates");

export interface TemplateView extends TemplateDefinition {
  version: number;
  builtin: boolean;
  deprecated: boolean;
}

/**
 * Reads and validates `templates/*.yaml`; a broken built-in is a programming error, so it throws.
 * The directory is not traced into the web app's build (the Dockerfile copies it): a traced
 * dynamic path would pull the whole repository into `.next/standalone`.
 */
export function loadBuiltinTemplates(dir = BUILTIN_DIR): TemplateDefinition[] {
  return readdirSync(/* turbopackIgnore: true */ dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => {
      const r = TemplateDefinitionSchema.safeParse(
        parse(readFileSync(/* turbopackIgnore: true */ path.join(/* turbopackIgnore: true */ dir, f), "utf8")),
      );
      if (!r.success) throw validationFailed(zodIssuesToFieldErrors(r.error.issues), `template ${f}`);
      const refs = checkTemplateExpressions(r.data);
      if (refs.length) throw validationFailed(refs, `template ${f}`);
      return r.data;
    });
}

const hashOf = (def: TemplateDefinition) => createHash("sha256").update(JSON.stringify(def)).digest("hex");

/** Upserts a template; a changed definition becomes a new version, an unchanged one is a no-op. */
export async function upsertTemplate(db: DbOrTx, def: TemplateDefinition, builtin: boolean): Promise<number> {
  const hash = hashOf(def);
  const [cur] = await db.select().from(templates).where(eq(templates.name, def.name));
  if (cur) {
    const [latest] = await db
      .select()
      .from(templateVersions)
      .where(and(eq(templateVersions.templateId, cur.id), eq(templateVersions.version, cur.latestVersion)));
    if (latest?.contentHash === hash) return cur.latestVersion;
    const version = cur.latestVersion + 1;
    await db.insert(templateVersions).values({ id: randomUUID(), templateId: cur.id, version, definition: def, contentHash: hash });
    await db
      .update(templates)
      .set({
        latestVersion: version,
        title: def.title,
        category: def.category,
        description: def.description,
        icon: def.icon,
        updatedAt: new Date(),
      })
      .where(eq(templates.id, cur.id));
    return version;
  }
  const id = randomUUID();
  await db.insert(templates).values({
    id,
    name: def.name,
    title: def.title,
    category: def.category,
    description: def.description,
    icon: def.icon,
    latestVersion: 1,
    builtin,
  });
  await db.insert(templateVersions).values({ id: randomUUID(), templateId: id, version: 1, definition: def, contentHash: hash });
  return 1;
}

export async function syncBuiltinTemplates(db: DbOrTx) {
  for (const def of loadBuiltinTemplates()) await upsertTemplate(db, def, true);
}

export async function listTemplates(db: DbOrTx): Promise<TemplateView[]> {
  const rows = await db
    .select({ t: templates, v: templateVersions })
    .from(templates)
    .innerJoin(templateVersions, and(eq(templateVersions.templateId, templates.id), eq(templateVersions.version, templates.latestVersion)))
    .orderBy(asc(templates.category), asc(templates.name));
  return rows.map(({ t, v }) => ({ ...v.definition, version: v.version, builtin: t.builtin, deprecated: t.deprecated }));
}

export async function getTemplate(db: DbOrTx, name: string, version?: number): Promise<TemplateView> {
  const found = await findTemplates(db, [name]);
  const t = found.get(name);
  if (!t) throw notFound("template", name);
  if (version === undefined || version === t.version) return t;
  const [row] = await db
    .select({ v: templateVersions })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(and(eq(templates.name, name), eq(templateVersions.version, version)));
  if (!row) throw notFound("template version", `${name}@${version}`);
  return { ...row.v.definition, version, builtin: t.builtin, deprecated: t.deprecated };
}

/** Latest versions of the named templates, by name; missing names are simply absent. */
export async function findTemplates(db: DbOrTx, names: string[]): Promise<Map<string, TemplateView>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .select({ t: templates, v: templateVersions })
    .from(templates)
    .innerJoin(templateVersions, and(eq(templateVersions.templateId, templates.id), eq(templateVersions.version, templates.latestVersion)))
    .where(inArray(templates.name, [...new Set(names)]));
  return new Map(rows.map(({ t, v }) => [t.name, { ...v.definition, version: v.version, builtin: t.builtin, deprecated: t.deprecated }]));
}
