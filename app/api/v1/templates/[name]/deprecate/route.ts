import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { setDeprecated } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Deprecates a user template: pipelines using it keep working, new tasks cannot use it. */
export const POST = api<{ name: string }>(async (req, { params }) => {
  await authorize(req, "admin");
  const { name } = await params;
  return json(await setDeprecated(getDb(), name, true));
});

/** Takes a deprecation back. */
export const DELETE = api<{ name: string }>(async (req, { params }) => {
  await authorize(req, "admin");
  const { name } = await params;
  return json(await setDeprecated(getDb(), name, false));
});
