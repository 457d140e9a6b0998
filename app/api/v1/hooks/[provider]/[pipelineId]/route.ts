import { getDb } from "@/server/db/client";
import { receiveDelivery } from "@/server/hooks/deliver";
import { api, json, readRawBody } from "@/server/http/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Webhook receiver for `github`, `gitlab`, `registry` (Harbor, Docker registry) and `generic`.
 * No session or token: the delivery proves itself with the trigger's secret (HMAC signature or
 * shared token). 201 a run started · 202 recorded, nothing to run · 200 a duplicate delivery ·
 * 400 malformed · 404 unknown pipeline, no such trigger or a bad signature, all alike (nothing
 * runs; who lacks the secret learns nothing) · 413 too big.
 */
export const POST = api<{ provider: string; pipelineId: string }>(async (req, { params }) => {
  const { provider, pipelineId } = await params;
  const body = await readRawBody(req);
  const r = await receiveDelivery(getDb(), { provider, pipelineId, headers: req.headers, body });
  return json(r.body, r.status);
});
