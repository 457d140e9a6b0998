import { json } from "@/server/http/handler";
import { readiness } from "@/server/http/health";

/** Readiness: 200 when the database is reachable and migrated, else 503 with the reason. */
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET() {
  const r = await readiness();
  return r.ready
    ? json({ status: "ready" }, 200, { "cache-control": "no-store" })
    : json({ status: "unavailable", reason: r.reason }, 503, { "cache-control": "no-store", "retry-after": "2" });
}
