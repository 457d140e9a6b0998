import { rest } from "@/server/operations/rest";
import { listTemplateVersionsOp } from "@/server/templates/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listTemplateVersionsOp);
