import { readSpecBody, saveOptions } from "@/server/http/request";
import { rest } from "@/server/operations/rest";
import { getPipelineOp, savePipelineOp } from "@/server/pipelines/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(getPipelineOp, { headers: (p) => ({ etag: `"${p.version}"` }) });
export const PUT = rest(savePipelineOp, {
  read: async (req) => {
    const opts = saveOptions(req);
    const { spec, source, locate } = await readSpecBody(req);
    return { ...opts, body: spec, source, locate };
  },
  headers: (r) => ({ etag: `"${r.version}"` }),
});
