import { LogQuerySchema } from "@/lib/api-schemas";
import { getDb } from "@/server/db/client";
import { api } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requireTaskRun } from "@/server/authz/authz";
import { parseQuery } from "@/server/http/request";
import { hub } from "@/server/live/hub";
import { logEventsResponse, logTextResponse } from "@/server/live/log-stream";
import { lastEventId } from "@/server/live/sse";
import { getTaskRun } from "@/server/runs/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * A task run's log. `Accept: text/event-stream` (or `?follow=true` without asking for
 * text/plain): SSE, one event per line, resumable with `Last-Event-ID` or `?after=`, ended by
 * `event: end` once the task run is over. Otherwise the log so far as text/plain
 * (`?timestamps=true` prefixes each line with its time).
 */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requireTaskRun(getDb(), actor, id, "project.view");
  const q = parseQuery(req, LogQuerySchema);
  await getTaskRun(getDb(), id);
  const accept = req.headers.get("accept") ?? "";
  if (accept.includes("text/event-stream") || (q.follow && !accept.includes("text/plain"))) {
    return logEventsResponse(req, hub(), id, lastEventId(req) ?? q.after ?? 0);
  }
  return logTextResponse(req, hub().source, id, { timestamps: q.timestamps, after: q.after });
});
