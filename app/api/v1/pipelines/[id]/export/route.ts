import { stringify } from "yaml";
import { getDb } from "@/server/db/client";
import { api } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requirePipeline } from "@/server/authz/authz";
import { intParam } from "@/server/http/request";
import { getPipeline, getVersion } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The pipeline (current version, or `?version=n`) as a YAML file to download; importing it with
 * POST /api/v1/pipelines recreates it. The text as written is kept, comments included.
 */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requirePipeline(getDb(), actor, id, "project.view");
  const q = new URL(req.url).searchParams.get("version");
  const db = getDb();
  const v = q ? await getVersion(db, id, intParam(q, "version")) : await getPipeline(db, id);
  const text = v.source ?? stringify(v.spec);
  return new Response(text, {
    headers: {
      "content-type": "application/yaml; charset=utf-8",
      "content-disposition": `attachment; filename="${v.spec.name}-v${v.version}.yaml"`,
    },
  });
});
