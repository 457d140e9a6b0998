import { openApiOp } from "@/server/http/openapi";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(openApiOp);
