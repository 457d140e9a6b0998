import { rest } from "@/server/operations/rest";
import { deleteProjectOp, getProjectOp, updateProjectOp } from "@/server/projects/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(getProjectOp);
export const PATCH = rest(updateProjectOp);
export const DELETE = rest(deleteProjectOp);
