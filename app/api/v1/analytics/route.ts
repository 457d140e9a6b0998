import { AnalyticsQuerySchema } from "@/lib/api-schemas";
import { loadAnalytics } from "@/server/analytics/queries";
import { authenticate } from "@/server/auth/authenticate";
import { requireProject, visibleProjectIds } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { parseQuery } from "@/server/http/request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Run analytics across every pipeline the caller may see, or one project's (`?project=`), over `?days=`. */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  const q = parseQuery(req, AnalyticsQuerySchema);
  const db = getDb();
  const projectIds = q.project ? [(await requireProject(db, actor, q.project, "project.view")).projectId] : await visibleProjectIds(db, actor);
  return json(await loadAnalytics(db, { projectIds }, q.days));
});
