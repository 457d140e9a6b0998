import { receiveDeliveryOp } from "@/server/hooks/operations";
import { json } from "@/server/http/handler";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The outcome decides the status (201 a run started, 202 nothing to run, 200 a duplicate). */
export const POST = rest(receiveDeliveryOp, { respond: (r) => json(r.body, r.status) });
