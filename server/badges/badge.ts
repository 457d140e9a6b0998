import { createHash } from "node:crypto";
import { and, desc, eq, inArray, notInArray, type SQL } from "drizzle-orm";
import { notFound } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import { pipelines, projects, runs } from "../db/schema";

/**
 * A pipeline's status badge (`GET /api/v1/pipelines/{id}/badge.svg?branch=main`), shields-like:
 * the pipeline's name and how its newest run (of the branch) stands. Public only in projects
 * whose `publicBadges` setting is on; otherwise it needs the usual project.view.
 */

export type BadgeStatus = "passing" | "failing" | "running" | "unknown";

const COLOUR: Record<BadgeStatus, string> = { passing: "#4c1", failing: "#e05d44", running: "#dfb317", unknown: "#9f9f9f" };

/** Whether anyone may see the pipeline's badge: its project publishes badges. A missing pipeline is not public. */
export async function badgeIsPublic(db: DbOrTx, pipelineId: string): Promise<boolean> {
  const [row] = await db
    .select({ settings: projects.settings })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(pipelines.id, pipelineId));
  return row?.settings.publicBadges === true;
}

/** The newest run that says something (not cancelled or skipped) of the pipeline, on the branch when one is given. */
export async function badgeStatus(db: DbOrTx, pipelineId: string, branch?: string): Promise<{ name: string; status: BadgeStatus }> {
  const [p] = await db.select({ name: pipelines.name }).from(pipelines).where(eq(pipelines.id, pipelineId));
  if (!p) throw notFound("pipeline", pipelineId);
  const where: SQL[] = [eq(runs.pipelineId, pipelineId), notInArray(runs.status, ["cancelled", "skipped"])];
  // Webhook runs name the full ref, manual ones often the bare branch.
  if (branch) where.push(inArray(runs.ref, [branch, `refs/heads/${branch}`]));
  const [last] = await db
    .select({ status: runs.status })
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  const status: BadgeStatus = !last
    ? "unknown"
    : last.status === "succeeded"
      ? "passing"
      : last.status === "failed"
        ? "failing"
        : "running";
  return { name: p.name, status };
}

const escape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Verdana 11px is about 6–7 px a character; shields measures, a badge this close reads the same. */
const width = (s: string) => Math.round(s.length * 6.5 + 10);

/** The SVG of a flat badge: label on grey, status on its colour. */
export function badgeSvg(label: string, status: BadgeStatus): string {
  const l = label.length > 40 ? `${label.slice(0, 39)}…` : label;
  const lw = width(l);
  const rw = width(status);
  const w = lw + rw;
  const text = escape(l);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${text}: ${status}">`,
    `<title>${text}: ${status}</title>`,
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`,
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${rw}" height="20" fill="${COLOUR[status]}"/><rect width="${w}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${text}</text><text x="${lw / 2}" y="14">${text}</text>`,
    `<text x="${lw + rw / 2}" y="15" fill="#010101" fill-opacity=".3">${status}</text><text x="${lw + rw / 2}" y="14">${status}</text>`,
    `</g></svg>`,
  ].join("");
}

/** The response: short caching (a badge follows the runs), public or private as the badge is, with an ETag. */
export function badgeResponse(b: { svg: string; public: boolean }, ifNoneMatch: string | null): Response {
  const etag = `"${createHash("sha256").update(b.svg).digest("base64url").slice(0, 27)}"`;
  const headers = {
    "content-type": "image/svg+xml; charset=utf-8",
    "cache-control": b.public ? "public, max-age=60, s-maxage=60" : "private, no-cache",
    etag,
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  };
  if (ifNoneMatch?.split(",").some((t) => t.trim() === etag)) return new Response(null, { status: 304, headers });
  return new Response(b.svg, { headers });
}
