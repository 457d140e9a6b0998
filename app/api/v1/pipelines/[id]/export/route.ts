import { stringify } from "yaml";
import { getDb } from "@/server/db/client";
import { api } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { intParam } from "@/server/http/request";
import { getPipeline, getVersion } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The pipeline (current version, or `?version=n`) as a YAML file to download; importing it with
 * POST /api/v1/pipelines recreates it. The text as written is kept, comments included.
 */
export const GET = api<{ id: string }>(async (req, { params }) => {
  await authorize(req, "read");
  const { id } = await params;
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
