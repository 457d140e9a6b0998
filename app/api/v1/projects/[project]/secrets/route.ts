import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { secretJson } from "@/server/http/present";
import { listSecrets } from "@/server/secrets/secrets";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The project's secrets: names and descriptions, never values. */
export const GET = api<{ project: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  return json({ items: (await listSecrets(getDb(), actor, (await params).project)).map(secretJson) });
});
