import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { listDeliveries } from "@/server/hooks/deliver";
import { api, json } from "@/server/http/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The pipeline's last 50 webhook deliveries, newest first, with what each did. */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const items = await listDeliveries(getDb(), actor, (await params).id);
  return json({ items: items.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })) });
});
