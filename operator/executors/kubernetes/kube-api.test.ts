import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeApi, KubeApiError, retryTransient } from "./kube-api";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** An apiserver stand-in that answers every request with `{}` and counts its connections. */
async function server(): Promise<{ api: KubeApi; connections: () => number }> {
  let n = 0;
  const s = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end(JSON.stringify({ kind: "Status", path: req.url })));
  });
  s.on("connection", () => n++);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return { api: new KubeApi(kc), connections: () => n };
}

describe("KubeApi", () => {
  it("sends one request after another over one kept-alive connection", async () => {
    const { api, connections } = await server();
    for (let i = 0; i < 5; i++) await api.get(`/api/v1/namespaces/ns/pods/p${i}`);
    await api.create("/api/v1/namespaces/ns/secrets", { metadata: { name: "s" } });
    await api.mergePatch("/api/v1/namespaces/ns/secrets/s", { data: {} });
    expect(connections(), "every request opened a connection of its own (a TLS handshake each against a real apiserver)").toBe(1);
  });

  it("opens more connections only for requests in flight at the same time", async () => {
    const { api, connections } = await server();
    await Promise.all([api.get("/a"), api.get("/b"), api.get("/c")]);
    await Promise.all([api.get("/a"), api.get("/b"), api.get("/c")]);
    expect(connections()).toBe(3);
  });
});

describe("retryTransient", () => {
  const noSleep = () => Promise.resolve();

  it("tries again while the apiserver throttles (429) or fails for a moment (5xx, a refused connection), then returns", async () => {
    const errors = [
      new KubeApiError(429, "TooManyRequests", "POST /x: 429 too many requests"),
      new KubeApiError(503, "ServiceUnavailable", "POST /x: 503"),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }),
    ];
    let calls = 0;
    const r = await retryTransient(
      async () => {
        calls++;
        const e = errors.shift();
        if (e) throw e;
        return "created";
      },
      60_000,
      noSleep,
    );
    expect([r, calls]).toEqual(["created", 4]);
  });

  it("gives up at once on an error about the request itself, and after its time on a lasting outage", async () => {
    let calls = 0;
    const invalid = new KubeApiError(422, "Invalid", "POST /x: 422 invalid");
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw invalid;
        },
        60_000,
        noSleep,
      ),
    ).rejects.toBe(invalid);
    expect(calls).toBe(1);
    await expect(retryTransient(() => Promise.reject(new KubeApiError(429, "TooManyRequests", "throttled")), 0, noSleep)).rejects.toThrow(
      "throttled",
    );
  });
});
