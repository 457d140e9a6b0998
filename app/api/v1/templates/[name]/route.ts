import { readBody } from "@/server/http/handler";
import { rest } from "@/server/operations/rest";
import { parseTemplateDefinition } from "@/server/templates/manage";
import { deleteTemplateOp, getTemplateOp, updateTemplateOp } from "@/server/templates/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(getTemplateOp);
export const PUT = rest(updateTemplateOp, {
  read: async (req) => {
    const b = await readBody(req);
    return { body: parseTemplateDefinition(b.value, b.yaml ? b.text : undefined) };
  },
});
export const DELETE = rest(deleteTemplateOp);
