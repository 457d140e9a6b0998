import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { cancelRunAs } from "@/server/runs/commands";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Requests cancellation: queued tasks are skipped at once, running ones are stopped by the
 * operator, which then finishes the run as cancelled. 409 when the run is already over.
 */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  return json(await cancelRunAs(getDb(), actor, id));
});
