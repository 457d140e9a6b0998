import { listAuditOp } from "@/server/audit/operations";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listAuditOp);
