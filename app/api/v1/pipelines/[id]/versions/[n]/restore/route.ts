import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { intParam, saveOptions } from "@/server/http/request";
import { restoreVersion } from "@/server/pipelines/versions";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Saves version n's spec (and template pins) as a new version with the message "restored version n". */
export const POST = api<{ id: string; n: string }>(async (req, { params }) => {
  const user = await authorize(req, "admin");
  const { id, n } = await params;
  const { baseVersion } = saveOptions(req);
  const r = await restoreVersion(getDb(), id, intParam(n, "version"), { userId: user.id, baseVersion });
  return json(r, 201, { etag: `"${r.version}"` });
});
