import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requirePipeline } from "@/server/authz/authz";
import { savePipelineAs } from "@/server/pipelines/commands";
import { pipelineJson } from "@/server/http/present";
import { readSpecBody, saveOptions } from "@/server/http/request";
import { getPipeline, savePipelineVersion } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The pipeline with its current version and spec; `ETag` is that version, for `If-Match`. */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requirePipeline(getDb(), actor, id, "project.view");
  const p = await getPipeline(getDb(), id);
  return json(pipelineJson(p), 200, { etag: `"${p.version}"` });
});

/** Saves a new version; with `If-Match: "<n>"` or `?baseVersion=n`, only if n is still current. */
export const PUT = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const opts = saveOptions(req);
  const body = await readSpecBody(req);
  try {
    const r = await savePipelineAs(getDb(), actor, id, { spec: body.spec, source: body.source, ...opts });
    return json(r, 200, { etag: `"${r.version}"` });
  } catch (e) {
    throw body.locate(e);
  }
});
