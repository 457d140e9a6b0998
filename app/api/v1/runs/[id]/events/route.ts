import { notFound } from "@/lib/errors";
import { getDb } from "@/server/db/client";
import { api } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requireRun } from "@/server/authz/authz";
import { hub } from "@/server/live/hub";
import { runEventsResponse } from "@/server/live/run-stream";
import { lastEventId } from "@/server/live/sse";
import { getRunRev } from "@/server/runs/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** SSE: `event: run` (id = rev) on every change of the run or its task runs, then `event: end`. */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requireRun(getDb(), actor, id, "project.view");
  if (!(await getRunRev(getDb(), id))) throw notFound("run", id);
  return runEventsResponse(req, hub(), id, lastEventId(req));
});
