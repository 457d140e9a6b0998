import { rest } from "@/server/operations/rest";
import { exportPipelineOp } from "@/server/pipelines/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(exportPipelineOp, {
  respond: (v) =>
    new Response(v.text, {
      headers: {
        "content-type": "application/yaml; charset=utf-8",
        "content-disposition": `attachment; filename="${v.name}-v${v.version}.yaml"`,
      },
    }),
});
