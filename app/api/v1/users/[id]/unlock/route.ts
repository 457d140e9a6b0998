import { authenticate } from "@/server/auth/authenticate";
import { unlockUserSignIn } from "@/server/auth/user-lifecycle";
import { requireSiteAdmin } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { userJson } from "@/server/http/present";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Lifts a user's sign-in lock and every address's delays for them; site administrators only. */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  requireSiteAdmin(actor, "unlock users");
  const r = await unlockUserSignIn(getDb(), actor, (await params).id);
  return json({ user: userJson(r.user), cleared: r.cleared });
});
