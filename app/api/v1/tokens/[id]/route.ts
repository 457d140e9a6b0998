import { revokeTokenOp } from "@/server/auth/operations";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const DELETE = rest(revokeTokenOp);
