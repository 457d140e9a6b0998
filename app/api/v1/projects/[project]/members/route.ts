import { rest } from "@/server/operations/rest";
import { listMembersOp } from "@/server/projects/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listMembersOp);
