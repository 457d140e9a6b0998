import { rest } from "@/server/operations/rest";
import { createProjectOp, listProjectsOp } from "@/server/projects/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listProjectsOp);
export const POST = rest(createProjectOp, { headers: (r) => ({ location: `/api/v1/projects/${r.slug}` }) });
