import { rest } from "@/server/operations/rest";
import { logStatusOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(logStatusOp);
