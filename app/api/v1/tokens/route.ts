import { CreateTokenBodySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { issueToken, listTokens } from "@/server/auth/personal-tokens";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { tokenJson } from "@/server/http/token-json";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The caller's own API tokens (never the secrets). */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  return json({ items: (await listTokens(getDb(), actor)).map(tokenJson) });
});

/** Creates a token for the caller; the secret is in this response only. */
export const POST = api(async (req) => {
  const actor = await authenticate(req);
  const body = CreateTokenBodySchema.parse((await readBody(req)).value);
  const t = await issueToken(getDb(), actor, { name: body.name, scope: body.scope, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
  return json({ ...tokenJson(t), token: t.token }, 201);
});
