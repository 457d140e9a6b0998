import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import { AppError, notFound } from "@/lib/errors";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, pipelineVersions, projects, runs, users } from "../db/schema";
import type { VersionCommit } from "../db/schema/pipelines";
import { lockPinnedTemplates, pinsOf, templateNames, type TemplatePins } from "./pins";
import { checkSpecAgainstCatalog, checkSpecReferences } from "./validate";
import { checkSpecSecrets } from "../secrets/secrets";
import { projectRunSettings } from "../projects/projects";

/** The pipeline exists but not that version: a typed error, so callers need not read the message. */
export class VersionNotFound extends AppError {
  constructor(pipelineId: string, version: number) {
    super("not_found", `pipeline version '${pipelineId}@${version}' not found`);
  }
}

export interface SaveInput {
  spec: PipelineSpec;
  /** The text as the author wrote it (YAML keeps comments); optional for JSON clients. */
  source?: string;
  message?: string;
  userId?: string | null;
  /**
   * Template versions to use instead of the ones kept from the previous version (upgrade,
   * restore). Templates the previous version did not use are pinned to their latest version.
   */
  templates?: TemplatePins;
  /** The commit a pipeline kept in its repository was read from; its author stands for the version's. */
  commit?: VersionCommit;
}

export async function createPipeline(
  db: Db,
  input: SaveInput & { projectId: string },
): Promise<{ id: string; name: string; version: number }> {
  const used = await checkSpecAgainstCatalog(db, input.spec, {
    pins: input.templates,
    ...(await projectRunSettings(db, input.projectId)),
  });
  await checkSpecSecrets(db, input.projectId, input.spec, used);
  await checkSpecReferences(db, input.projectId, input.spec, used);
  const pins = pinsOf(used);
  const id = randomUUID();
  try {
    await db.transaction(async (tx) => {
      await tx.insert(pipelines).values({
        id,
        projectId: input.projectId,
        name: input.spec.name,
        description: input.spec.description ?? null,
        currentVersion: 1,
        createdBy: input.userId ?? null,
      });
      await lockPinnedTemplates(tx, pins);
      await insertVersion(tx, id, 1, input, pins);
    });
  } catch (e) {
    if (isDuplicate(e)) throw new AppError("conflict", `a pipeline named '${input.spec.name}' already exists in this project`);
    throw e;
  }
  return { id, name: input.spec.name, version: 1 };
}

/**
 * Saves a new immutable version. With `baseVersion` (optimistic concurrency), a pipeline that
 * was saved by someone else in between is refused with 409 instead of silently overwritten.
 */
export async function savePipelineVersion(db: Db, id: string, input: SaveInput & { baseVersion?: number }): Promise<{ version: number }> {
  // Saving keeps the previous version's pins for templates still in use; new ones get the latest.
  const prev = await currentPins(db, id);
  const [owner] = await db.select({ projectId: pipelines.projectId }).from(pipelines).where(eq(pipelines.id, id));
  const project = owner ? await projectRunSettings(db, owner.projectId) : {};
  const used = await checkSpecAgainstCatalog(db, input.spec, {
    pins: { ...prev.pins, ...input.templates },
    previous: prev.names,
    ...project,
  });
  if (owner) {
    await checkSpecSecrets(db, owner.projectId, input.spec, used);
    await checkSpecReferences(db, owner.projectId, input.spec, used);
  }
  const pins = pinsOf(used);
  try {
    return await db.transaction(async (tx) => {
      const [cur] = await tx.select().from(pipelines).where(eq(pipelines.id, id)).for("update");
      if (!cur) throw notFound("pipeline", id);
      if (input.baseVersion !== undefined && input.baseVersion !== cur.currentVersion) {
        throw new AppError(
          "conflict",
          `pipeline '${cur.name}' was changed by someone else: you edited version ${input.baseVersion}, the current version is ${cur.currentVersion}`,
          { currentVersion: cur.currentVersion, baseVersion: input.baseVersion },
        );
      }
      const version = cur.currentVersion + 1;
      await lockPinnedTemplates(tx, pins);
      await insertVersion(tx, id, version, input, pins);
      await tx
        .update(pipelines)
        .set({ currentVersion: version, name: input.spec.name, description: input.spec.description ?? null, updatedAt: new Date() })
        .where(eq(pipelines.id, id));
      return { version };
    });
  } catch (e) {
    if (isDuplicate(e)) throw new AppError("conflict", `a pipeline named '${input.spec.name}' already exists in this project`);
    throw e;
  }
}

/** The current version's template pins and names (an unknown pipeline is reported by the save). */
async function currentPins(db: DbOrTx, id: string): Promise<{ pins: TemplatePins; names: Set<string> }> {
  const [row] = await db
    .select({ spec: pipelineVersions.spec, pins: pipelineVersions.templates })
    .from(pipelines)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.pipelineId, pipelines.id), eq(pipelineVersions.version, pipelines.currentVersion)))
    .where(eq(pipelines.id, id));
  if (!row) return { pins: {}, names: new Set() };
  return { pins: row.pins ?? {}, names: new Set(templateNames(row.spec)) };
}

async function insertVersion(db: DbOrTx, pipelineId: string, version: number, input: SaveInput, pins: TemplatePins) {
  await db.insert(pipelineVersions).values({
    id: randomUUID(),
    pipelineId,
    version,
    spec: input.spec,
    source: input.source ?? null,
    message: input.message?.slice(0, 500) ?? null,
    authorId: input.userId ?? null,
    templates: pins,
    commit: input.commit ?? null,
  });
}

export interface PipelineSummary {
  id: string;
  project: { id: string; slug: string; name: string };
  name: string;
  description: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  lastRun: { id: string; number: number; status: string; createdAt: Date } | null;
}

/** Pipelines of the given projects (null: all), by name. */
export async function listPipelines(db: DbOrTx, projectIds: string[] | null = null): Promise<PipelineSummary[]> {
  if (projectIds && projectIds.length === 0) return [];
  const rows = await db
    .select({ p: pipelines, project: { id: projects.id, slug: projects.slug, name: projects.name } })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(projectIds ? inArray(pipelines.projectId, projectIds) : undefined)
    .orderBy(asc(pipelines.name), asc(projects.slug));
  // Latest run per pipeline in one query (runs.number is per pipeline and increasing).
  const last = await db
    .select({ id: runs.id, pipelineId: runs.pipelineId, number: runs.number, status: runs.status, createdAt: runs.createdAt })
    .from(runs)
    .where(sql`(${runs.pipelineId}, ${runs.number}) in (select pipeline_id, max(number) from runs group by pipeline_id)`);
  const byPipeline = new Map(last.map((r) => [r.pipelineId, r]));
  return rows.map(({ p, project }) => {
    const r = byPipeline.get(p.id);
    return {
      id: p.id,
      project,
      name: p.name,
      description: p.description,
      version: p.currentVersion,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      lastRun: r ? { id: r.id, number: r.number, status: r.status, createdAt: r.createdAt } : null,
    };
  });
}

export interface PipelineDetail {
  id: string;
  project: { id: string; slug: string; name: string };
  name: string;
  description: string | null;
  version: number;
  spec: PipelineSpec;
  source: string | null;
  /** Template versions the current version is pinned to (null: saved before pinning). */
  templates: TemplatePins | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function getPipeline(db: DbOrTx, id: string): Promise<PipelineDetail> {
  const [row] = await db
    .select({ p: pipelines, v: pipelineVersions, project: { id: projects.id, slug: projects.slug, name: projects.name } })
    .from(pipelines)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.pipelineId, pipelines.id), eq(pipelineVersions.version, pipelines.currentVersion)))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(pipelines.id, id));
  if (!row) throw notFound("pipeline", id);
  return {
    id: row.p.id,
    project: row.project,
    name: row.p.name,
    description: row.p.description,
    version: row.p.currentVersion,
    spec: row.v.spec,
    source: row.v.source,
    templates: row.v.templates,
    createdAt: row.p.createdAt,
    updatedAt: row.p.updatedAt,
  };
}

export async function findPipelineByName(db: DbOrTx, projectId: string, name: string) {
  const [row] = await db
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(and(eq(pipelines.projectId, projectId), eq(pipelines.name, name)));
  return row?.id ?? null;
}

export interface VersionSummary {
  version: number;
  message: string | null;
  /** The Gantry user who saved it, or the author of the commit it was read from. */
  author: string | null;
  commit: VersionCommit | null;
  createdAt: Date;
}

export async function listVersions(db: DbOrTx, pipelineId: string): Promise<VersionSummary[]> {
  await assertPipeline(db, pipelineId);
  return db
    .select({
      version: pipelineVersions.version,
      message: pipelineVersions.message,
      author: users.username,
      commit: pipelineVersions.commit,
      createdAt: pipelineVersions.createdAt,
    })
    .from(pipelineVersions)
    .leftJoin(users, eq(users.id, pipelineVersions.authorId))
    .where(eq(pipelineVersions.pipelineId, pipelineId))
    .orderBy(desc(pipelineVersions.version))
    .then((rows) => rows.map((r) => ({ ...r, author: r.author ?? r.commit?.author ?? null })));
}

export async function getVersion(db: DbOrTx, pipelineId: string, version: number) {
  const [row] = await db
    .select({ v: pipelineVersions, author: users.username })
    .from(pipelineVersions)
    .leftJoin(users, eq(users.id, pipelineVersions.authorId))
    .where(and(eq(pipelineVersions.pipelineId, pipelineId), eq(pipelineVersions.version, version)));
  if (!row) {
    // Only a miss costs the second query: was it the pipeline or the version that isn't there?
    await assertPipeline(db, pipelineId);
    throw new VersionNotFound(pipelineId, version);
  }
  return {
    version: row.v.version,
    spec: row.v.spec,
    source: row.v.source,
    templates: row.v.templates,
    message: row.v.message,
    author: row.author ?? row.v.commit?.author ?? null,
    commit: row.v.commit,
    createdAt: row.v.createdAt,
  };
}

async function assertPipeline(db: DbOrTx, id: string) {
  const [row] = await db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.id, id));
  if (!row) throw notFound("pipeline", id);
}

export function isDuplicate(e: unknown): boolean {
  for (let cur: unknown = e; cur; cur = (cur as { cause?: unknown }).cause) {
    if ((cur as { code?: string }).code === "ER_DUP_ENTRY") return true;
  }
  return false;
}
