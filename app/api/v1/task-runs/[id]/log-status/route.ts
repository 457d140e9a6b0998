import { authenticate } from "@/server/auth/authenticate";
import { requireTaskRun } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { logStatus } from "@/server/logs/status";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Where a task run's log ends and how far the archive is behind it: lines an operator buffered
 * on disk while Elasticsearch was unreachable are written but not readable yet (`behind` > 0).
 */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requireTaskRun(getDb(), actor, id, "project.view");
  return json(await logStatus(getDb(), id));
});
