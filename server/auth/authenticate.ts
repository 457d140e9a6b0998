import { getServerSession } from "next-auth";
import { AppError } from "@/lib/errors";
import { isScope } from "@/lib/permissions";
import { sessionActor, type Actor } from "../authz/authz";
import { getDb } from "../db/client";
import { clientAddress } from "../http/client-address";
import { assertSameOrigin } from "../http/same-origin";
import { authOptions } from "./next-auth";
import { lookupToken } from "./tokens";
import { getUser, type SessionUser } from "./users";

export type Principal = Actor;

export { clientAddress };

/** Session cookie or `Authorization: Bearer <token>`; anything else is 401. */
export async function authenticate(req: Request): Promise<Actor> {
  const address = clientAddress(req.headers);
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new AppError("unauthorized", "malformed Authorization header: expected 'Bearer <token>'");
    const r = await lookupToken(getDb(), m[1]);
    if ("problem" in r) throw new AppError("unauthorized", r.problem);
    const u = r.user;
    return { ...u, scope: isScope(u.scope) ? u.scope : "read", via: "token", address };
  }
  // The browser sends the cookie on its own, also for requests other sites make it send.
  assertSameOrigin(req);
  const u = await currentUser();
  if (u) return sessionActor(u, address);
  throw new AppError("unauthorized", "authentication required: sign in or send 'Authorization: Bearer <token>'");
}

/**
 * For server components and actions: the signed-in user, or null. The session's user is looked
 * up again so that a disabled or deleted user loses access at once, not when the cookie expires.
 */
export async function currentUser(): Promise<SessionUser | null> {
  const s = await getServerSession(authOptions);
  const id = (s as unknown as { user?: SessionUser } | null)?.user?.id;
  return id ? getUser(getDb(), id) : null;
}
