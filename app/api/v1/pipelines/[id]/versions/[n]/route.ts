import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { versionJson } from "@/server/http/present";
import { intParam } from "@/server/http/request";
import { getVersion } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** One immutable version with its spec. */
export const GET = api<{ id: string; n: string }>(async (req, { params }) => {
  await authorize(req, "read");
  const { id, n } = await params;
  return json(versionJson(await getVersion(getDb(), id, intParam(n, "version"))));
});
