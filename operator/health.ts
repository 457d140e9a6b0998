import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Liveness and readiness for process supervisors and Kubernetes probes. /healthz answers as long
 * as the event loop does; /readyz only while the operator can do its work.
 */
export function startHealthServer(port: number, readiness: () => { ready: boolean; reason: string }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    const url = (req.url ?? "/").split("?")[0];
    if (url === "/healthz") return send(200, { status: "ok" });
    if (url === "/readyz") {
      const r = readiness();
      return send(r.ready ? 200 : 503, { status: r.ready ? "ready" : "not ready", reason: r.reason });
    }
    send(404, { error: { code: "not_found", message: "try /healthz or /readyz" } });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

export const portOf = (s: http.Server) => (s.address() as AddressInfo).port;
