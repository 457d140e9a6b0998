import { LogSearchQuerySchema } from "@/lib/api-schemas";
import { requireProject, visibleProjectIds } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { authorize } from "@/server/http/guard";
import { api, json } from "@/server/http/handler";
import { parseQuery } from "@/server/http/request";
import { searchLogs } from "@/server/logs/search";
import { elasticsearchStore } from "@/server/logs/select";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Search across the logs of the runs the caller may see: `q` (words, "phrases"), filtered by
 * project, pipeline (id or name), run status and time. Elasticsearch answers with ranked
 * full-text hits; the MySQL store with a simpler substring scan (docs/api.md).
 */
export const GET = api(async (req) => {
  const actor = await authorize(req, "project.view");
  const q = parseQuery(req, LogSearchQuerySchema);
  const db = getDb();
  const projectId = q.project ? (await requireProject(db, actor, q.project, "project.view")).projectId : undefined;
  return json(await searchLogs(db, elasticsearchStore(db), { ...q, projectId, visibleProjectIds: await visibleProjectIds(db, actor) }));
});
