import { CreateRunBodySchema, PaginationQuerySchema } from "@/lib/api-schemas";
import { AppError, validationFailed } from "@/lib/errors";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requirePipeline } from "@/server/authz/authz";
import { startRunAs } from "@/server/runs/commands";
import { runSummaryJson } from "@/server/http/present";
import { parseQuery } from "@/server/http/request";
import { createRun } from "@/server/runs/create-run";
import { listRuns } from "@/server/runs/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The pipeline's runs, newest first: `?page=1&perPage=20` (at most 100). */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requirePipeline(getDb(), actor, id, "project.view");
  const q = parseQuery(req, PaginationQuerySchema);
  const page = await listRuns(getDb(), id, q.page, q.perPage);
  return json({ ...page, items: page.items.map(runSummaryJson) });
});

/** Queues a run of the current version (or `version`) with `params`. */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const body = CreateRunBodySchema.parse((await readBody(req)).value ?? {});
  try {
    const run = await startRunAs(getDb(), actor, id, { params: body.params, version: body.version, trigger: "api", ref: body.ref });
    return json(run, 201, { location: `/api/v1/runs/${run.id}` });
  } catch (e) {
    // The pipeline exists but not that version: the body is wrong, not the URL.
    if (body.version !== undefined && e instanceof AppError && e.code === "not_found" && /version/.test(e.message)) {
      throw validationFailed([{ path: "version", message: `the pipeline has no version ${body.version}` }], "request");
    }
    throw e;
  }
});
