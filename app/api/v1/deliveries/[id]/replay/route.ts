import { authenticate } from "@/server/auth/authenticate";
import { checkScope } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { replayDelivery } from "@/server/hooks/deliver";
import { api, json } from "@/server/http/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Processes a recorded delivery again, against the pipeline's current triggers; developers and up. */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  checkScope(actor, "run.start");
  const r = await replayDelivery(getDb(), actor, (await params).id);
  return json(r.body, r.status);
});
