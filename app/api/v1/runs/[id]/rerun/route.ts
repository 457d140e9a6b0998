import { rest } from "@/server/operations/rest";
import { rerunOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(rerunOp, {
  headers: (run) => ({ location: `/api/v1/runs/${run.id}` }),
  body: ({ pipelineId: _audited, ...run }) => run,
});
