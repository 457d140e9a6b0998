import { getServerSession } from "next-auth";
import { AppError } from "@/lib/errors";
import { getDb } from "../db/client";
import { authOptions } from "./next-auth";
import { userForToken } from "./tokens";
import type { SessionUser } from "./users";

export type Principal = SessionUser & { via: "session" | "token"; scope: string };

/** Session cookie or `Authorization: Bearer <token>`; anything else is 401. */
export async function authenticate(req: Request): Promise<Principal> {
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new AppError("unauthorized", "malformed Authorization header: expected 'Bearer <token>'");
    const u = await userForToken(getDb(), m[1]);
    if (!u) throw new AppError("unauthorized", "invalid or expired API token");
    return { ...u, via: "token" };
  }
  const s = await getServerSession(authOptions);
  const u = (s as unknown as { user?: SessionUser } | null)?.user;
  if (u?.id) return { ...u, via: "session", scope: "admin" };
  throw new AppError("unauthorized", "authentication required: sign in or send 'Authorization: Bearer <token>'");
}

/** For server components and actions: the signed-in user, or null. */
export async function currentUser(): Promise<SessionUser | null> {
  const s = await getServerSession(authOptions);
  return (s as unknown as { user?: SessionUser } | null)?.user ?? null;
}
