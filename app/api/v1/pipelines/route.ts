import { rest } from "@/server/operations/rest";
import { createPipelineOp, listPipelinesOp } from "@/server/pipelines/operations";
import { readSpecBody, saveOptions } from "@/server/http/request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listPipelinesOp);
export const POST = rest(createPipelineOp, {
  read: async (req) => {
    const { message } = saveOptions(req);
    const { spec, source, locate } = await readSpecBody(req);
    return { message, body: spec, source, locate };
  },
  headers: (created) => ({ location: `/api/v1/pipelines/${created.id}` }),
});
