import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requirePipeline } from "@/server/authz/authz";
import { versionJson } from "@/server/http/present";
import { intParam } from "@/server/http/request";
import { getVersion } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** One immutable version with its spec. */
export const GET = api<{ id: string; n: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id, n } = await params;
  await requirePipeline(getDb(), actor, id, "project.view");
  return json(versionJson(await getVersion(getDb(), id, intParam(n, "version"))));
});
