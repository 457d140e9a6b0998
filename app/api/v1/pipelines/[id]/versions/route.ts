import { rest } from "@/server/operations/rest";
import { listVersionsOp } from "@/server/pipelines/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listVersionsOp);
