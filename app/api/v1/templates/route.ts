import { readBody } from "@/server/http/handler";
import { rest } from "@/server/operations/rest";
import { parseTemplateDefinition } from "@/server/templates/manage";
import { createTemplateOp, listTemplatesOp } from "@/server/templates/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listTemplatesOp);
export const POST = rest(createTemplateOp, {
  // Field errors of a YAML definition carry their line.
  read: async (req) => {
    const b = await readBody(req);
    return { body: parseTemplateDefinition(b.value, b.yaml ? b.text : undefined) };
  },
  headers: (r) => ({ location: `/api/v1/templates/${r.name}` }),
});
