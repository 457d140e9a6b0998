import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { auditableProjectIds } from "../authz/authz";
import { auditJson } from "../http/present";
import { byProject, defineOperation } from "../operations/define";
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

export const auditOperations = [listAuditOp, listProjectAuditOp];
