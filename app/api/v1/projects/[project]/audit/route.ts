import { AuditQuerySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { listAudit } from "@/server/audit/audit";
import { requireProject } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { auditJson } from "@/server/http/present";
import { parseQuery } from "@/server/http/request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The project's audit trail, newest first; maintainers and owners. */
export const GET = api<{ project: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const db = getDb();
  const access = await requireProject(db, actor, (await params).project, "audit.view");
  const q = parseQuery(req, AuditQuerySchema);
  return json(auditJson(await listAudit(db, { ...q, since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined, projectIds: [access.projectId] })));
});
