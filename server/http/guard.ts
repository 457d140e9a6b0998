import { AppError } from "@/lib/errors";
import { authenticate, type Principal } from "../auth/authenticate";

/**
 * The one permission check of the REST API: authenticate (session or bearer token), then compare
 * the token's scope with what the call needs. A `read` token may look, a `run` token may also
 * start and cancel runs, an `admin` token (and a signed-in session) may change pipelines.
 */
export type Need = "read" | "run" | "admin";
const RANK: Record<string, number> = { read: 0, run: 1, admin: 2 };

export async function authorize(req: Request, need: Need): Promise<Principal> {
  const p = await authenticate(req);
  if ((RANK[p.scope] ?? -1) < RANK[need]) {
    throw new AppError("forbidden", `this token's scope '${p.scope}' does not allow this call; it needs '${need}'`);
  }
  return p;
}
