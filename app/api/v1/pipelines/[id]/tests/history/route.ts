import { rest } from "@/server/operations/rest";
import { testHistoryOp } from "@/server/reports/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(testHistoryOp);
