import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { setDeprecatedAs } from "@/server/templates/commands";
import { setDeprecated } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Deprecates a user template: pipelines using it keep working, new tasks cannot use it. */
export const POST = api<{ name: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { name } = await params;
  return json(await setDeprecatedAs(getDb(), actor, name, true));
});

/** Takes a deprecation back. */
export const DELETE = api<{ name: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { name } = await params;
  return json(await setDeprecatedAs(getDb(), actor, name, false));
});
