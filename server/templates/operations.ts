import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { DEFAULT_PROJECT_SLUG } from "@/lib/projects";
import { mayManageTemplate, requireProject, requireTemplate, visibleProjectIds } from "../authz/authz";
import { defineOperation, defineView, versionNumber, type Locator } from "../operations/define";
import { listPipelines } from "../pipelines/pipelines";
import { getTemplate, listTemplates } from "./catalog";
import {
  createTemplate,
  deleteTemplate,
  getTemplateVersion,
  listTemplateVersions,
  setDeprecated,
  templateAuthor,
  templateUsage,
  updateTemplate,
} from "./manage";

/** The template catalog: read by every signed-in caller, a project's templates managed by its maintainers. */

const NameParams = z.object({ name: z.string().meta({ description: "template name" }) });
const NOT_FOUND = "No such template";

/** A template's project (null for built-ins, which only site administrators change). */
const byTemplate =
  <K extends string>(key: K): Locator<Record<K, string>> =>
  (db, actor, action, i) =>
    requireTemplate(db, actor, i[key], action);

const inProjectOrDefault: Locator<{ project?: string }> = (db, actor, action, i) =>
  requireProject(db, actor, i.project ?? DEFAULT_PROJECT_SLUG, action);

export const listTemplatesOp = defineOperation({
  name: "template.list",
  summary: "The template catalog, each template with its params JSON Schema",
  method: "GET",
  path: "/api/v1/templates",
  tags: ["templates"],
  output: S.TemplateListSchema,
  authorize: { permission: "project.view" },
  run: async ({ db }) => ({ items: await listTemplates(db) }),
});

export const createTemplateOp = defineOperation({
  name: "template.create",
  summary: "Add a user template (JSON or YAML, the format of templates/*.yaml) as its version 1",
  description: "In `?project=` (default `default`); needs the maintainer role there.",
  method: "POST",
  path: "/api/v1/templates",
  tags: ["templates"],
  query: S.ProjectQuerySchema,
  body: S.TemplateDefinitionSchema,
  bodyTypes: ["json", "yaml"],
  output: S.TemplateSavedSchema,
  status: 201,
  errors: {
    404: "No such project, or one the caller is not a member of",
    409: "The name exists or is a built-in",
    422: "The definition is invalid (`details.errors`, with YAML lines)",
  },
  authorize: { permission: "template.manage", project: inProjectOrDefault },
  run: async ({ db, actor, project }, i) => ({
    ...(await createTemplate(db, i.body, actor.id, project.projectId)),
    project: project.projectSlug,
  }),
  audit: (i, r) => ({
    action: "template.create",
    targetType: "template",
    targetId: i.body.name,
    targetName: i.body.name,
    details: { version: r.version },
  }),
});

export const getTemplateOp = defineOperation({
  name: "template.get",
  summary: "One template (latest version) with its params JSON Schema",
  method: "GET",
  path: "/api/v1/templates/{name}",
  tags: ["templates"],
  params: NameParams,
  output: S.TemplateSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view" },
  run: ({ db }, i) => getTemplate(db, i.name),
});

export const updateTemplateOp = defineOperation({
  name: "template.update",
  summary: "Add a version of a user template (pinned pipelines keep theirs)",
  method: "PUT",
  path: "/api/v1/templates/{name}",
  tags: ["templates"],
  params: NameParams,
  body: S.TemplateDefinitionSchema,
  bodyTypes: ["json", "yaml"],
  output: S.TemplateSavedSchema,
  errors: { 404: NOT_FOUND, 422: "The definition is invalid (`details.errors`, with YAML lines)" },
  authorize: { permission: "template.manage", project: byTemplate("name") },
  run: ({ db }, i) => updateTemplate(db, i.name, i.body),
  audit: (i, r) =>
    r.changed
      ? { action: "template.update", targetType: "template", targetId: i.name, targetName: i.name, details: { version: r.version } }
      : null,
});

export const deleteTemplateOp = defineOperation({
  name: "template.delete",
  summary: "Delete a user template no pipeline version uses (409 otherwise: deprecate it)",
  method: "DELETE",
  path: "/api/v1/templates/{name}",
  tags: ["templates"],
  params: NameParams,
  status: 204,
  errors: { 404: NOT_FOUND, 409: "Pipeline versions use it" },
  authorize: { permission: "template.manage", project: byTemplate("name") },
  run: ({ db }, i) => deleteTemplate(db, i.name),
  audit: (i) => ({ action: "template.delete", targetType: "template", targetId: i.name, targetName: i.name }),
});

const deprecation = (deprecated: boolean) =>
  defineOperation({
    name: deprecated ? "template.deprecate" : "template.undeprecate",
    summary: deprecated ? "Deprecate a user template: pipelines using it keep working, new tasks cannot use it" : "Take a deprecation back",
    method: deprecated ? "POST" : "DELETE",
    path: "/api/v1/templates/{name}/deprecate",
    tags: ["templates"],
    params: NameParams,
    output: S.TemplateDeprecatedSchema,
    errors: { 404: NOT_FOUND },
    authorize: { permission: "template.manage", project: byTemplate("name") },
    run: ({ db }, i) => setDeprecated(db, i.name, deprecated),
    audit: (i) => ({
      action: deprecated ? "template.deprecate" : "template.undeprecate",
      targetType: "template",
      targetId: i.name,
      targetName: i.name,
    }),
  });
export const deprecateTemplateOp = deprecation(true);
export const undeprecateTemplateOp = deprecation(false);

export const listTemplateVersionsOp = defineOperation({
  name: "template.versions",
  summary: "The template's versions, newest first",
  method: "GET",
  path: "/api/v1/templates/{name}/versions",
  tags: ["templates"],
  params: NameParams,
  output: S.TemplateVersionListSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view" },
  run: async ({ db }, i) => ({
    items: (await listTemplateVersions(db, i.name)).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
  }),
});

export const getTemplateVersionOp = defineOperation({
  name: "template.version",
  summary: "One version of a template, as pipelines pinned to it run it",
  method: "GET",
  path: "/api/v1/templates/{name}/versions/{n}",
  tags: ["templates"],
  params: NameParams.extend({ n: versionNumber }),
  output: S.TemplateVersionSchema,
  errors: { 404: "No such template or version" },
  authorize: { permission: "project.view" },
  run: async ({ db }, i) => {
    const v = await getTemplateVersion(db, i.name, i.n);
    return { ...v, createdAt: v.createdAt?.toISOString() ?? null };
  },
});

// Views: what the template pages show beside the operations above; no REST route serves them.

export const templateDetailsView = defineView({
  name: "template.details",
  summary: "Who added the template, the pipelines the caller may see that use it, and whether the caller may change it",
  params: NameParams,
  authorize: { permission: "project.view" },
  run: async ({ db, actor }, i) => {
    const [all, author, canManage, visible] = await Promise.all([
      templateUsage(db, i.name),
      templateAuthor(db, i.name),
      mayManageTemplate(db, actor, i.name),
      visibleProjectIds(db, actor).then((ids) => listPipelines(db, ids)),
    ]);
    // Pipelines of projects the caller is not in stay out of sight (their names would leak).
    const seen = new Set(visible.map((p) => p.id));
    return { author, canManage, usage: all.filter((u) => seen.has(u.id)), inUse: all.length > 0 };
  },
});

/** The template as the editor starts from it, for those who may change it (built-ins: site administrators). */
export const editableTemplateView = defineView({
  name: "template.editable",
  summary: "The template's latest definition, for those who may change it",
  params: NameParams,
  authorize: { permission: "template.manage", project: byTemplate("name") },
  run: ({ db }, i) => getTemplate(db, i.name),
});

export const templateOperations = [
  listTemplatesOp,
  createTemplateOp,
  getTemplateOp,
  updateTemplateOp,
  deleteTemplateOp,
  deprecateTemplateOp,
  undeprecateTemplateOp,
  listTemplateVersionsOp,
  getTemplateVersionOp,
];
