import { rest } from "@/server/operations/rest";
import { cancelRunOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(cancelRunOp);
