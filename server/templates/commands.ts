import type { TemplateDefinition } from "@/lib/template-schema";
import { DEFAULT_PROJECT_SLUG } from "@/lib/projects";
import type { Db } from "../db/client";
import { audit } from "../audit/audit";
import { requireProject, requireTemplate, type Actor } from "../authz/authz";
import { createTemplate, deleteTemplate, setDeprecated, updateTemplate } from "./manage";
import { eq } from "drizzle-orm";
import { templates } from "../db/schema";

/** Template changes as a user: a project's maintainers manage its templates; audited. */

async function projectOfTemplate(db: Db, name: string) {
  const [row] = await db.select({ projectId: templates.projectId }).from(templates).where(eq(templates.name, name));
  return row?.projectId ?? null;
}

export async function createTemplateAs(db: Db, actor: Actor, def: TemplateDefinition, project?: string) {
  const access = await requireProject(db, actor, project ?? DEFAULT_PROJECT_SLUG, "template.manage");
  const r = await createTemplate(db, def, actor.id, access.projectId);
  await audit(db, actor, { action: "template.create", targetType: "template", targetId: def.name, targetName: def.name, projectId: access.projectId, details: { version: r.version } });
  return { ...r, project: access.projectSlug };
}

export async function updateTemplateAs(db: Db, actor: Actor, name: string, def: TemplateDefinition) {
  await requireTemplate(db, actor, name, "template.manage");
  const r = await updateTemplate(db, name, def);
  if (r.changed) {
    await audit(db, actor, { action: "template.update", targetType: "template", targetId: name, targetName: name, projectId: await projectOfTemplate(db, name), details: { version: r.version } });
  }
  return r;
}

export async function setDeprecatedAs(db: Db, actor: Actor, name: string, deprecated: boolean) {
  await requireTemplate(db, actor, name, "template.manage");
  const r = await setDeprecated(db, name, deprecated);
  await audit(db, actor, { action: deprecated ? "template.deprecate" : "template.undeprecate", targetType: "template", targetId: name, targetName: name, projectId: await projectOfTemplate(db, name) });
  return r;
}

export async function deleteTemplateAs(db: Db, actor: Actor, name: string) {
  await requireTemplate(db, actor, name, "template.manage");
  const projectId = await projectOfTemplate(db, name);
  await deleteTemplate(db, name);
  await audit(db, actor, { action: "template.delete", targetType: "template", targetId: name, targetName: name, projectId });
}
