import { AnalyticsQuerySchema } from "@/lib/api-schemas";
import { loadAnalytics } from "@/server/analytics/queries";
import { authenticate } from "@/server/auth/authenticate";
import { requirePipeline } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { parseQuery } from "@/server/http/request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Run analytics of one pipeline over `?days=` (success rate, durations, queue time, slowest and flaky tasks). */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const db = getDb();
  await requirePipeline(db, actor, id, "project.view");
  const q = parseQuery(req, AnalyticsQuerySchema.omit({ project: true }));
  return json(await loadAnalytics(db, { pipelineId: id }, q.days));
});
