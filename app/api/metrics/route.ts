import { metricsAuthorized, metricsConfig } from "@/server/metrics/config";
import { webMetrics } from "@/server/metrics/web";

/**
 * Prometheus metrics of this web process (text format). Open like /api/healthz unless
 * GANTRY_METRICS_TOKEN is set; then a scraper sends `Authorization: Bearer <token>`. API tokens
 * and sessions are not used here, so a scraper needs no Gantry user.
 */
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(req: Request) {
  if (!metricsAuthorized(req.headers.get("authorization"), metricsConfig().GANTRY_METRICS_TOKEN)) {
    return new Response("unauthorized\n", {
      status: 401,
      headers: { "content-type": "text/plain", "www-authenticate": 'Bearer realm="gantry-metrics"' },
    });
  }
  const m = webMetrics();
  try {
    return new Response(await m.registry.metrics(), {
      status: 200,
      headers: { "content-type": m.registry.contentType, "cache-control": "no-store" },
    });
  } catch (e) {
    // The database may be away: say so (Prometheus marks the target down) rather than half an answer.
    return new Response(`metrics unavailable: ${(e as Error).message}\n`, {
      status: 503,
      headers: { "content-type": "text/plain", "retry-after": "2" },
    });
  }
}
