import { hub } from "@/server/live/hub";
import { logEventsResponse, logTextResponse } from "@/server/live/log-stream";
import { lastEventId } from "@/server/live/sse";
import { rest } from "@/server/operations/rest";
import { taskRunLogsOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** SSE when asked for (or `?follow=true` without asking for text/plain), else the log so far as text. */
export const GET = rest(taskRunLogsOp, {
  respond: ({ taskRunId }, q, req) => {
    const accept = req.headers.get("accept") ?? "";
    if (accept.includes("text/event-stream") || (q.follow && !accept.includes("text/plain"))) {
      return logEventsResponse(req, hub(), taskRunId, lastEventId(req) ?? q.after ?? 0);
    }
    return logTextResponse(req, hub().source, taskRunId, { timestamps: q.timestamps, after: q.after });
  },
});
