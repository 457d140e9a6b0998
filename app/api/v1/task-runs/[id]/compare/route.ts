import { rest } from "@/server/operations/rest";
import { compareTaskRunOp } from "@/server/triage/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(compareTaskRunOp);
