import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { auditableProjectIds } from "../authz/authz";
import { auditJson } from "../http/present";
import { byProject, defineOperation, defineView } from "../operations/define";
import { listProjects } from "../projects/projects";
import { listAudit, type AuditQuery } from "./audit";

/** The audit trail, read through one query shape for the site-wide and the per-project route alike. */

type AuditFilters = z.output<typeof S.AuditQuerySchema>;

/** The filters of a request (times as ISO text) as the query listAudit runs. */
export function auditQuery(q: AuditFilters, projectIds: string[] | null): AuditQuery {
  return { ...q, since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined, projectIds };
}

export const listAuditOp = defineOperation({
  name: "audit.list",
  summary: "The audit trail across the projects where the caller may read it, newest first",
  description:
    "Maintainers and owners see their projects' events; site administrators see every event, site-wide ones (users, tokens) included.",
  method: "GET",
  path: "/api/v1/audit",
  tags: ["audit"],
  query: S.AuditQuerySchema,
  output: S.AuditListSchema,
  authorize: { permission: "audit.view" },
  run: async ({ db, actor }, q) => auditJson(await listAudit(db, auditQuery(q, await auditableProjectIds(db, actor)))),
});

export const listProjectAuditOp = defineOperation({
  name: "project.audit",
  summary: "The project's audit trail, newest first",
  method: "GET",
  path: "/api/v1/projects/{project}/audit",
  tags: ["audit"],
  params: z.object({ project: z.string().meta({ description: "project slug" }) }),
  query: S.AuditQuerySchema,
  output: S.AuditListSchema,
  errors: { 404: "No such project, or one the caller is not a member of" },
  authorize: { permission: "audit.view", project: byProject("project") },
  run: async ({ db, project }, q) => auditJson(await listAudit(db, auditQuery(q, [project.projectId]))),
});

/** The Audit page's project filter: no REST route serves it. */
export const auditScopeView = defineView({
  name: "audit.scope",
  summary: "The projects whose audit trail the caller may read, and whether they also see site-wide events (site administrators)",
  authorize: "authenticated",
  run: async ({ db, actor }) => {
    const allowed = await auditableProjectIds(db, actor);
    const projects = (await listProjects(db, actor)).filter((p) => allowed === null || allowed.includes(p.id));
    return { siteWide: allowed === null, projects: projects.map((p) => ({ slug: p.slug, name: p.name })) };
  },
});

export const auditOperations = [listAuditOp, listProjectAuditOp];
