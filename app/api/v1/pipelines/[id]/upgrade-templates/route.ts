import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { upgradeTemplatesAs } from "@/server/pipelines/commands";
import { saveOptions } from "@/server/http/request";
import { upgradeTemplates } from "@/server/pipelines/versions";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Saves a new version pinned to the latest template versions (nothing is saved when none is newer). */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const { baseVersion } = saveOptions(req);
  return json(await upgradeTemplatesAs(getDb(), actor, id, baseVersion));
});
