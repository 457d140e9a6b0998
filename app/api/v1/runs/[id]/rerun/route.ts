import { RerunBodySchema } from "@/lib/api-schemas";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { rerunAs } from "@/server/runs/commands";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Queues a new run of the same version and params: `{mode: "all"}`, `{mode: "failed"}` (succeeded
 * tasks keep their result) or `{mode: "from-stage", stage}`. Needs run.start; audited.
 */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const body = RerunBodySchema.parse((await readBody(req)).value ?? {});
  const run = await rerunAs(getDb(), actor, id, body);
  return json(run, 201, { location: `/api/v1/runs/${run.id}` });
});
