import { json } from "@/server/http/handler";

/** Liveness: the web process answers. No database, no authentication (probes call it). */
export const dynamic = "force-dynamic";

export function GET() {
  return json({ status: "ok" }, 200, { "cache-control": "no-store" });
}
