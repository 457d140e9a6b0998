import { badgeResponse } from "@/server/badges/badge";
import { pipelineBadgeOp } from "@/server/badges/operations";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(pipelineBadgeOp, { respond: (o, _i, req) => badgeResponse(o, req.headers.get("if-none-match")) });
