import { deleteUserOp, getUserOp, updateUserOp } from "@/server/auth/operations";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(getUserOp);
export const PATCH = rest(updateUserOp);
export const DELETE = rest(deleteUserOp);
