import { AuditQuerySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { listAudit } from "@/server/audit/audit";
import { auditableProjectIds, checkScope } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { auditJson } from "@/server/http/present";
import { parseQuery } from "@/server/http/request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The audit trail across the projects where the caller may read it (maintainer and up); site
 * administrators see every event, site-wide ones (users, tokens) included.
 */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  checkScope(actor, "audit.view");
  const db = getDb();
  const q = parseQuery(req, AuditQuerySchema);
  const projectIds = await auditableProjectIds(db, actor);
  return json(auditJson(await listAudit(db, { ...q, since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined, projectIds })));
});
