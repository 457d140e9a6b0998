import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { restoreVersionAs } from "@/server/pipelines/commands";
import { intParam, saveOptions } from "@/server/http/request";
import { restoreVersion } from "@/server/pipelines/versions";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Saves version n's spec (and template pins) as a new version with the message "restored version n". */
export const POST = api<{ id: string; n: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id, n } = await params;
  const { baseVersion } = saveOptions(req);
  const r = await restoreVersionAs(getDb(), actor, id, intParam(n, "version"), baseVersion);
  return json(r, 201, { etag: `"${r.version}"` });
});
