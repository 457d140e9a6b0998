import { authenticate } from "@/server/auth/authenticate";
import { revokeToken } from "@/server/auth/personal-tokens";
import { getDb } from "@/server/db/client";
import { api } from "@/server/http/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Revokes one of the caller's tokens (site administrators: anyone's). */
export const DELETE = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  await revokeToken(getDb(), actor, (await params).id);
  return new Response(null, { status: 204 });
});
