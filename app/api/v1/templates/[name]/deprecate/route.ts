import { rest } from "@/server/operations/rest";
import { deprecateTemplateOp, undeprecateTemplateOp } from "@/server/templates/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(deprecateTemplateOp);
export const DELETE = rest(undeprecateTemplateOp);
