import { rest } from "@/server/operations/rest";
import { listPipelineRunsOp, startRunOp } from "@/server/runs/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listPipelineRunsOp);
export const POST = rest(startRunOp, { headers: (run) => ({ location: `/api/v1/runs/${run.id}` }) });
