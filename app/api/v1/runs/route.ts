import { RecentRunsQuerySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { requireProject, visibleProjectIds } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { runSummaryJson } from "@/server/http/present";
import { parseQuery } from "@/server/http/request";
import { listRecentRuns } from "@/server/runs/list-recent-runs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Runs of every pipeline the caller may see, newest first; filters: project, pipeline, status. */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  const q = parseQuery(req, RecentRunsQuerySchema);
  const db = getDb();
  const projectIds = q.project ? [(await requireProject(db, actor, q.project, "project.view")).projectId] : await visibleProjectIds(db, actor);
  const page = await listRecentRuns(db, { page: q.page, perPage: q.perPage, statuses: q.status, projectIds, pipelineId: q.pipeline });
  return json({ ...page, items: page.items.map((r) => ({ ...runSummaryJson(r), pipelineId: r.pipelineId, pipelineName: r.pipelineName })) });
});
