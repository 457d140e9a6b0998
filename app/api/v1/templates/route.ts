import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { listTemplates } from "@/server/templates/catalog";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The catalog, each template with its params JSON Schema. */
export const GET = api(async (req) => {
  await authorize(req, "read");
  return json({ items: await listTemplates(getDb()) });
});
