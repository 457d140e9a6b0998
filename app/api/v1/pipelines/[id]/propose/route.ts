import { rest } from "@/server/operations/rest";
import { proposeChangeOp } from "@/server/pipelines/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(proposeChangeOp);
