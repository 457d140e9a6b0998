import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";

/**
 * A plain-HTTP front of the test cluster's apiserver that can answer every request with 429 Too
 * Many Requests and a Retry-After, as an overloaded apiserver (API Priority and Fairness) does.
 * It forwards with the admin kubeconfig's client certificate, so a process given `kubeconfig`
 * (no credentials of its own) acts as the admin through it. Watches stream through.
 */
export interface ThrottleProxy {
  /** A kubeconfig whose server is this proxy. */
  kubeconfig: string;
  /** From now on every request gets 429 (open watches are cut, so they have to come back). */
  throttle: (retryAfterSeconds?: number) => void;
  /** Requests pass again. */
  open: () => void;
  /** Requests answered 429 so far, and requests passed on. */
  counts: () => { throttled: number; passed: number };
  close: () => Promise<void>;
}

export async function startThrottleProxy(adminKubeconfig: string, file: string): Promise<ThrottleProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const target = new URL(kc.getCurrentCluster()!.server);
  const tls: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const agent = new https.Agent({ ...(tls.agent as https.Agent & { options: https.AgentOptions }).options, keepAlive: true });
  let retryAfter = 0;
  let throttled = 0;
  let passed = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    if (retryAfter) {
      throttled++;
      res.writeHead(429, { "content-type": "application/json", "retry-after": String(retryAfter) });
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "TooManyRequests",
          code: 429,
          message: "too many requests, please try again later",
          details: { retryAfterSeconds: retryAfter },
        }),
      );
      return;
    }
    passed++;
    const up = https.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on("error", () => res.destroy());
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      // client-node refuses plain http unless told to skip TLS checks (there is no TLS here).
      clusters: [{ name: "throttled", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
      users: [{ name: "through-proxy", user: {} }],
      contexts: [{ name: "throttled", context: { cluster: "throttled", user: "through-proxy" } }],
      "current-context": "throttled",
    }),
    { mode: 0o600 },
  );
  return {
    kubeconfig: file,
    throttle: (s = 1) => {
      retryAfter = s;
      for (const c of sockets) c.destroy();
    },
    open: () => {
      retryAfter = 0;
    },
    counts: () => ({ throttled, passed }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets) c.destroy();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
