import { replayDeliveryOp } from "@/server/hooks/operations";
import { json } from "@/server/http/handler";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(replayDeliveryOp, { respond: (r) => json(r.body, r.status) });
