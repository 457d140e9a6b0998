import { rest } from "@/server/operations/rest";
import { removeMemberOp, setMemberOp } from "@/server/projects/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const PUT = rest(setMemberOp);
export const DELETE = rest(removeMemberOp);
