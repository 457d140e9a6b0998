import { rest } from "@/server/operations/rest";
import { decideApprovalOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(decideApprovalOp);
