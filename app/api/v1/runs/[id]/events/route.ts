import { hub } from "@/server/live/hub";
import { runEventsResponse } from "@/server/live/run-stream";
import { lastEventId } from "@/server/live/sse";
import { rest } from "@/server/operations/rest";
import { runEventsOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(runEventsOp, { respond: ({ runId }, _i, req) => runEventsResponse(req, hub(), runId, lastEventId(req)) });
