import type { PipelineSpec } from "@/lib/pipeline-spec";
import { DEFAULT_PROJECT_SLUG } from "@/lib/projects";
import type { Db } from "../db/client";
import { audit } from "../audit/audit";
import { requirePipeline, requireProject, type Actor } from "../authz/authz";
import { createPipeline, savePipelineVersion } from "./pipelines";
import { restoreVersion, upgradeTemplates } from "./versions";

/**
 * What users do to pipelines, for the REST API and the server actions alike: the permission
 * check, the change, and its audit record.
 */

export async function createPipelineAs(
  db: Db,
  actor: Actor,
  input: { project?: string; spec: PipelineSpec; source?: string; message?: string },
) {
  const access = await requireProject(db, actor, input.project ?? DEFAULT_PROJECT_SLUG, "pipeline.edit");
  const created = await createPipeline(db, { ...input, projectId: access.projectId, userId: actor.id });
  await audit(db, actor, { action: "pipeline.create", targetType: "pipeline", targetId: created.id, targetName: created.name, projectId: access.projectId, details: { version: 1 } });
  return { ...created, project: access.projectSlug };
}

export async function savePipelineAs(
  db: Db,
  actor: Actor,
  id: string,
  input: { spec: PipelineSpec; source?: string; message?: string; baseVersion?: number },
) {
  const access = await requirePipeline(db, actor, id, "pipeline.edit");
  const r = await savePipelineVersion(db, id, { ...input, userId: actor.id });
  await audit(db, actor, { action: "pipeline.save", targetType: "pipeline", targetId: id, targetName: input.spec.name, projectId: access.projectId, details: { version: r.version, message: input.message ?? null } });
  return r;
}

export async function restoreVersionAs(db: Db, actor: Actor, id: string, n: number, baseVersion?: number) {
  const access = await requirePipeline(db, actor, id, "pipeline.edit");
  const r = await restoreVersion(db, id, n, { userId: actor.id, baseVersion });
  await audit(db, actor, { action: "pipeline.restore", targetType: "pipeline", targetId: id, projectId: access.projectId, details: { version: r.version, restoredFrom: n } });
  return r;
}

export async function upgradeTemplatesAs(db: Db, actor: Actor, id: string, baseVersion?: number) {
  const access = await requirePipeline(db, actor, id, "pipeline.edit");
  const r = await upgradeTemplates(db, id, { userId: actor.id, baseVersion });
  if (r.upgraded.length) {
    await audit(db, actor, { action: "pipeline.upgrade_templates", targetType: "pipeline", targetId: id, projectId: access.projectId, details: { version: r.version, upgraded: r.upgraded } });
  }
  return r;
}
