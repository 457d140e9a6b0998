import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requireProject, visibleProjectIds } from "@/server/authz/authz";
import { createPipelineAs } from "@/server/pipelines/commands";
import { ProjectQuerySchema } from "@/lib/api-schemas";
import { pipelineSummaryJson } from "@/server/http/present";
import { parseQuery, readSpecBody, saveOptions } from "@/server/http/request";
import { listPipelines } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = api(async (req) => {
  const actor = await authenticate(req);
  const { project } = parseQuery(req, ProjectQuerySchema);
  const db = getDb();
  const ids = project ? [(await requireProject(db, actor, project, "project.view")).projectId] : await visibleProjectIds(db, actor);
  return json({ items: (await listPipelines(db, ids)).map(pipelineSummaryJson) });
});

/** Creates a pipeline from a spec (JSON or YAML body) as its version 1, in `?project=` (default: `default`). */
export const POST = api(async (req) => {
  const actor = await authenticate(req);
  const { project } = parseQuery(req, ProjectQuerySchema);
  const { message } = saveOptions(req);
  const body = await readSpecBody(req);
  try {
    const created = await createPipelineAs(getDb(), actor, { project, spec: body.spec, source: body.source, message });
    return json(created, 201, { location: `/api/v1/pipelines/${created.id}` });
  } catch (e) {
    throw body.locate(e);
  }
});
