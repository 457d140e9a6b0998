import { stringify } from "yaml";
import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { DEFAULT_PROJECT_SLUG } from "@/lib/projects";
import { requireProject, visibleProjectIds } from "../authz/authz";
import { pipelineJson, pipelineSummaryJson, versionJson, versionSummaryJson } from "../http/present";
import { intParam } from "../http/request";
import { byPipeline, defineOperation, defineView, pathId, versionNumber, type Locator } from "../operations/define";
import { byListScope, SwitcherInput } from "../projects/list-scope";
import { createPipeline, getPipeline, getVersion, listPipelines, listVersions, savePipelineVersion } from "./pipelines";
import { proposePipelineChange } from "./propose-change";
import { listVersionsWithRuns, pipelineOutdatedTemplates, restoreVersion, upgradeTemplates } from "./versions";

/** Pipelines and their versions: what callers may do to them, declared once (server/operations). */

const PipelineParams = z.object({ id: pathId("pipeline id") });
const NOT_FOUND = "No such pipeline, or one in a project the caller is not a member of";
const MESSAGE_HEADER = { name: "X-Gantry-Message", description: "Version message (percent-encode non-ASCII); wins over `?message=`." };
const IF_MATCH = {
  name: "If-Match",
  description: 'Save only if the pipeline is still at this version, e.g. `"3"`; wins over `?baseVersion=`.',
};

/** The YAML text a spec was read from, kept so that comments survive. */
const SourceText = z.object({ source: z.string().optional() });

/** Creation happens in `?project=`, the default project when none is named. */
const inProjectOrDefault: Locator<{ project?: string }> = (db, actor, action, i) =>
  requireProject(db, actor, i.project ?? DEFAULT_PROJECT_SLUG, action);

export const listPipelinesOp = defineOperation({
  name: "pipeline.list",
  summary: "Pipelines the caller may see, or one project's (`?project=`)",
  method: "GET",
  path: "/api/v1/pipelines",
  tags: ["pipelines"],
  query: S.ProjectQuerySchema,
  extra: SwitcherInput,
  output: S.PipelineListSchema,
  errors: { 404: "No such project, or one the caller is not a member of" },
  authorize: { permission: "project.view", project: byListScope },
  run: async ({ db, actor, access }) => {
    const ids = access ? [access.projectId] : await visibleProjectIds(db, actor);
    return { items: (await listPipelines(db, ids)).map(pipelineSummaryJson) };
  },
});

export const createPipelineOp = defineOperation({
  name: "pipeline.create",
  summary: "Create a pipeline from a spec (JSON or YAML) as its version 1",
  description: "In `?project=` (default: `default`). YAML is stored as written, comments included; field errors carry their YAML line.",
  method: "POST",
  path: "/api/v1/pipelines",
  tags: ["pipelines"],
  query: S.ProjectQuerySchema.extend({ message: S.SaveQuerySchema.shape.message }),
  headers: [MESSAGE_HEADER],
  body: S.PipelineSpecSchema,
  bodyTypes: ["json", "yaml"],
  output: S.PipelineCreatedSchema,
  status: 201,
  errors: {
    404: "No such project, or one the caller is not a member of",
    409: "A pipeline with this name exists in the project",
    422: "The spec is invalid (`details.errors`, with YAML lines)",
  },
  authorize: { permission: "pipeline.edit", project: inProjectOrDefault },
  extra: SourceText,
  run: async ({ db, actor, project }, i) => {
    const created = await createPipeline(db, {
      spec: i.body,
      source: i.source,
      message: i.message,
      projectId: project.projectId,
      userId: actor.id,
    });
    return { ...created, project: project.projectSlug };
  },
  audit: (_i, created) => ({
    action: "pipeline.create",
    targetType: "pipeline",
    targetId: created.id,
    targetName: created.name,
    details: { version: 1 },
  }),
});

export const getPipelineOp = defineOperation({
  name: "pipeline.get",
  summary: "The pipeline with its current version and spec; `ETag` is that version, for `If-Match`",
  method: "GET",
  path: "/api/v1/pipelines/{id}",
  tags: ["pipelines"],
  params: PipelineParams,
  output: S.PipelineDetailSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db }, i) => pipelineJson(await getPipeline(db, i.id)),
});

export const savePipelineOp = defineOperation({
  name: "pipeline.save",
  summary: "Save a new version of the pipeline",
  description: 'With `If-Match: "<n>"` or `?baseVersion=n`, only if n is still the current version (409 otherwise).',
  method: "PUT",
  path: "/api/v1/pipelines/{id}",
  tags: ["pipelines"],
  params: PipelineParams,
  query: S.SaveQuerySchema,
  headers: [IF_MATCH, MESSAGE_HEADER],
  body: S.PipelineSpecSchema,
  bodyTypes: ["json", "yaml"],
  output: S.VersionSavedSchema,
  errors: {
    404: NOT_FOUND,
    409: "The pipeline moved past `baseVersion`, or the new name is taken",
    422: "The spec is invalid (`details.errors`, with YAML lines)",
  },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  extra: SourceText,
  run: ({ db, actor }, i) =>
    savePipelineVersion(db, i.id, { spec: i.body, source: i.source, message: i.message, baseVersion: i.baseVersion, userId: actor.id }),
  audit: (i, r) => ({
    action: "pipeline.save",
    targetType: "pipeline",
    targetId: i.id,
    targetName: i.body.name,
    details: { version: r.version, message: i.message ?? null },
  }),
});

export const listVersionsOp = defineOperation({
  name: "pipeline.versions",
  summary: "The pipeline's history, newest version first",
  method: "GET",
  path: "/api/v1/pipelines/{id}/versions",
  tags: ["pipelines"],
  params: PipelineParams,
  output: S.VersionListSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db }, i) => ({ items: (await listVersions(db, i.id)).map(versionSummaryJson) }),
});

const VersionParams = PipelineParams.extend({ n: versionNumber });

export const getVersionOp = defineOperation({
  name: "pipeline.version",
  summary: "One immutable version with its spec",
  method: "GET",
  path: "/api/v1/pipelines/{id}/versions/{n}",
  tags: ["pipelines"],
  params: VersionParams,
  output: S.VersionDetailSchema,
  errors: { 404: "No such pipeline or version, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db }, i) => versionJson(await getVersion(db, i.id, i.n)),
});

export const restoreVersionOp = defineOperation({
  name: "pipeline.restore",
  summary: 'Save version n\'s spec (and template pins) as a new version with the message "restored version n"',
  method: "POST",
  path: "/api/v1/pipelines/{id}/versions/{n}/restore",
  tags: ["pipelines"],
  params: VersionParams,
  query: S.SaveQuerySchema.pick({ baseVersion: true }),
  headers: [IF_MATCH],
  output: S.RestoredSchema,
  status: 201,
  errors: {
    404: "No such pipeline or version, or one in a project the caller is not a member of",
    409: "The pipeline moved past `baseVersion`",
  },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  run: ({ db, actor }, i) => restoreVersion(db, i.id, i.n, { userId: actor.id, baseVersion: i.baseVersion }),
  audit: (i, r) => ({
    action: "pipeline.restore",
    targetType: "pipeline",
    targetId: i.id,
    details: { version: r.version, restoredFrom: i.n },
  }),
});

export const upgradeTemplatesOp = defineOperation({
  name: "pipeline.upgradeTemplates",
  summary: "Save a new version pinned to the latest template versions (nothing is saved when none is newer)",
  method: "POST",
  path: "/api/v1/pipelines/{id}/upgrade-templates",
  tags: ["pipelines"],
  params: PipelineParams,
  query: S.SaveQuerySchema.pick({ baseVersion: true }),
  headers: [IF_MATCH],
  output: S.UpgradeResultSchema,
  errors: { 404: NOT_FOUND, 409: "The pipeline moved past `baseVersion`", 422: "The upgraded spec no longer validates against a template" },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  run: ({ db, actor }, i) => upgradeTemplates(db, i.id, { userId: actor.id, baseVersion: i.baseVersion }),
  audit: (i, r) =>
    r.upgraded.length
      ? {
          action: "pipeline.upgrade_templates",
          targetType: "pipeline",
          targetId: i.id,
          details: { version: r.version, upgraded: r.upgraded },
        }
      : null,
});

export const exportPipelineOp = defineOperation({
  name: "pipeline.export",
  summary: "The pipeline (current version, or `?version=n`) as a YAML file to download",
  description: "Importing it with POST /api/v1/pipelines recreates it. The text as written is kept, comments included.",
  method: "GET",
  path: "/api/v1/pipelines/{id}/export",
  tags: ["pipelines"],
  params: PipelineParams,
  query: z.object({ version: z.string().optional().meta({ description: "version number (default: the current one)" }) }),
  produces: { type: "application/yaml", description: "The spec as a YAML attachment" },
  errors: { 404: "No such pipeline or version, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db }, i) => {
    const v = i.version ? await getVersion(db, i.id, intParam(i.version, "version")) : await getPipeline(db, i.id);
    return { name: v.spec.name, version: v.version, text: v.source ?? stringify(v.spec) };
  },
});

export const proposeChangeOp = defineOperation({
  name: "pipeline.proposeChange",
  summary: "Propose the designed pipeline as a pull request on its forge (a pipeline kept in its repository)",
  description:
    "Writes the design into the pipeline file of the default branch (comments and layout kept), commits it to a new branch and opens a pull/merge request, with the token of the project secret `source.token`. Nothing is saved in Gantry.",
  method: "POST",
  path: "/api/v1/pipelines/{id}/propose",
  tags: ["pipelines"],
  params: PipelineParams,
  body: S.ProposeChangeSchema,
  output: S.ProposedSchema,
  status: 201,
  errors: {
    400: "The pipeline is not kept in its repository, names no token, or the forge refused (its answer quoted)",
    404: "No such pipeline, or its token secret does not exist",
    422: "The changed file does not validate (`details.errors`, with lines)",
  },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  run: ({ db, actor }, i) =>
    proposePipelineChange(db, i.id, {
      source: i.body.source,
      message: i.body.message,
      base: i.body.base,
      by: actor.name || actor.username,
    }),
  audit: (i, r) => ({
    action: "pipeline.propose_change",
    targetType: "pipeline",
    targetId: i.id,
    details: { url: r.url, branch: r.branch },
  }),
});

// Views: what the pipeline page shows beside the operations above; no REST route serves them.

export const versionHistoryView = defineView({
  name: "pipeline.versionHistory",
  summary: "The pipeline's versions, newest first, each with how many runs it had and its last run (the Versions tab)",
  params: PipelineParams,
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: ({ db }, i) => listVersionsWithRuns(db, i.id),
});

export const outdatedTemplatesView = defineView({
  name: "pipeline.outdatedTemplates",
  summary: "Templates the current version is pinned to that have a newer version (the upgrade banner)",
  params: PipelineParams,
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: ({ db }, i) => pipelineOutdatedTemplates(db, i.id),
});

export const pipelineOperations = [
  listPipelinesOp,
  createPipelineOp,
  getPipelineOp,
  savePipelineOp,
  listVersionsOp,
  getVersionOp,
  restoreVersionOp,
  upgradeTemplatesOp,
  exportPipelineOp,
  proposeChangeOp,
];
