import { rest } from "@/server/operations/rest";
import { getTemplateVersionOp } from "@/server/templates/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(getTemplateVersionOp);
