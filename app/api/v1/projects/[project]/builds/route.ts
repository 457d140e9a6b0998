import { rest } from "@/server/operations/rest";
import { setProjectBuildsOp } from "@/server/projects/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const PUT = rest(setProjectBuildsOp);
