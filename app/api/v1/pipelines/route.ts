import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { pipelineSummaryJson } from "@/server/http/present";
import { readSpecBody, saveOptions } from "@/server/http/request";
import { createPipeline, listPipelines } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = api(async (req) => {
  await authorize(req, "read");
  return json({ items: (await listPipelines(getDb())).map(pipelineSummaryJson) });
});

/** Creates a pipeline from a spec (JSON or YAML body) as its version 1. */
export const POST = api(async (req) => {
  const user = await authorize(req, "admin");
  const { message } = saveOptions(req);
  const body = await readSpecBody(req);
  try {
    const created = await createPipeline(getDb(), { spec: body.spec, source: body.source, message, userId: user.id });
    return json(created, 201, { location: `/api/v1/pipelines/${created.id}` });
  } catch (e) {
    throw body.locate(e);
  }
});
