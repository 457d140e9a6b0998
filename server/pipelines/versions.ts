import { and, desc, eq, max, sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { Db, DbOrTx } from "../db/client";
import { runs } from "../db/schema";
import { findTemplates } from "../templates/catalog";
import { getPipeline, getVersion, listVersions, savePipelineVersion, type VersionSummary } from "./pipelines";
import { outdatedTemplates, templateNames, type OutdatedTemplate } from "./pins";

/** Version control on top of the immutable versions: restore, template upgrade, runs per version. */

export interface VersionWithRuns extends VersionSummary {
  runs: number;
  lastRun: { id: string; number: number; status: string } | null;
}

export async function listVersionsWithRuns(db: DbOrTx, pipelineId: string): Promise<VersionWithRuns[]> {
  const versions = await listVersions(db, pipelineId);
  const counts = await db
    .select({ version: runs.version, n: sql<number>`count(*)`.mapWith(Number), last: max(runs.number) })
    .from(runs)
    .where(eq(runs.pipelineId, pipelineId))
    .groupBy(runs.version);
  const lasts = await db
    .select({ id: runs.id, number: runs.number, status: runs.status, version: runs.version })
    .from(runs)
    .where(
      and(
        eq(runs.pipelineId, pipelineId),
        sql`(${runs.version}, ${runs.number}) in (select version, max(number) from runs where pipeline_id = ${pipelineId} group by version)`,
      ),
    )
    .orderBy(desc(runs.number));
  const byVersion = new Map(counts.map((c) => [c.version, c.n]));
  const lastByVersion = new Map(lasts.map((r) => [r.version, { id: r.id, number: r.number, status: r.status }]));
  return versions.map((v) => ({ ...v, runs: byVersion.get(v.version) ?? 0, lastRun: lastByVersion.get(v.version) ?? null }));
}

/**
 * Restores an old version by saving its spec (and its template pins) as a new version; history
 * is never rewritten. With `baseVersion`, refused when someone saved in between.
 */
export async function restoreVersion(db: Db, pipelineId: string, n: number, opts: { userId?: string | null; baseVersion?: number } = {}) {
  const old = await getVersion(db, pipelineId, n);
  const r = await savePipelineVersion(db, pipelineId, {
    spec: old.spec,
    source: old.source ?? undefined,
    message: `restored version ${n}`,
    userId: opts.userId,
    templates: old.templates ?? undefined,
    baseVersion: opts.baseVersion,
  });
  return { version: r.version, restoredFrom: n };
}

/** Templates of the current version with a newer version than the pinned one (the upgrade banner). */
export async function pipelineOutdatedTemplates(db: DbOrTx, pipelineId: string): Promise<OutdatedTemplate[]> {
  const p = await getPipeline(db, pipelineId);
  return outdatedTemplates(db, p.spec, p.templates);
}

/**
 * Saves a new version pinned to the latest version of every template it uses. Params that the
 * newer templates no longer accept make it fail with 422 and nothing is saved.
 */
export async function upgradeTemplates(db: Db, pipelineId: string, opts: { userId?: string | null; baseVersion?: number } = {}) {
  const p = await getPipeline(db, pipelineId);
  const outdated = await outdatedTemplates(db, p.spec, p.templates);
  if (outdated.length === 0) return { version: p.version, upgraded: [] as OutdatedTemplate[] };
  const latest = await findTemplates(db, templateNames(p.spec));
  const pins = Object.fromEntries([...latest].map(([name, t]) => [name, t.version]));
  try {
    const r = await savePipelineVersion(db, pipelineId, {
      spec: p.spec,
      source: p.source ?? undefined,
      message: `upgraded templates: ${outdated.map((o) => `${o.name} ${o.pinned} → ${o.latest}`).join(", ")}`,
      userId: opts.userId,
      templates: pins,
      baseVersion: opts.baseVersion ?? p.version,
    });
    return { version: r.version, upgraded: outdated };
  } catch (e) {
    if (e instanceof AppError && e.code === "validation_failed") {
      throw new AppError(
        "validation_failed",
        `the latest template versions do not accept this pipeline: ${e.message.replace(/^invalid spec: /, "")}`,
        e.details,
      );
    }
    throw e;
  }
}
