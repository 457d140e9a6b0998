import { secretJson } from "@/server/http/present";
import { rest } from "@/server/operations/rest";
import { deleteSecretOp, putSecretOp } from "@/server/secrets/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** 201 when the secret is new, 200 when its value was replaced; the value is never sent back. */
export const PUT = rest(putSecretOp, { status: (r) => (r.created ? 201 : 200), body: (r) => secretJson(r.secret) });
export const DELETE = rest(deleteSecretOp);
