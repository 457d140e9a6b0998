import type { Action } from "@/lib/permissions";
import { authenticate } from "../auth/authenticate";
import { checkScope, type Actor } from "../authz/authz";

/**
 * Authenticates a REST call and checks the token's scope for calls that are not about one
 * project (the catalog, the caller's own tokens). Project calls then go through
 * server/authz (requireProject / requirePipeline / requireRun …), the one permission check.
 */
export async function authorize(req: Request, action: Action = "project.view"): Promise<Actor> {
  const actor = await authenticate(req);
  checkScope(actor, action);
  return actor;
}
