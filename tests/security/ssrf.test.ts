import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db/client";
import { notificationOutbox } from "@/server/db/schema";
import { createPipeline, startRun, uniqueName, waitForRun } from "../api-helpers";

/**
 * SSRF through run notifications, against the running stack: the stack may call 127.0.0.1 and ::1
 * (its GANTRY_OUTBOUND_ALLOW), so traps listen on the addresses it must not reach: 127.0.0.2 and
 * this host's own interface addresses. Every spelling and detour an attacker would try next is
 * aimed at them; none may deliver a single request. (DNS rebinding is proven in the unit test of
 * server/net/outbound.ts with an injected resolver: this machine runs no DNS server of ours.)
 */

interface Trap {
  address: string;
  server: Server;
  port: number;
  hits: string[];
}

async function listen(
  address: string,
  onRequest: (req: IncomingMessage, res: import("node:http").ServerResponse, hits: string[]) => void,
): Promise<Trap | null> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hits.push(req.url ?? "");
      onRequest(req, res, hits);
    });
  });
  const ok = await new Promise<boolean>((r) => {
    server.once("error", () => r(false));
    server.listen(0, address, () => r(true));
  });
  return ok ? { address, server, port: (server.address() as AddressInfo).port, hits } : null;
}

const hostUrl = (t: Trap, path: string) => `http://${t.address.includes(":") ? `[${t.address}]` : t.address}:${t.port}${path}`;

let allowed: Trap;
const traps: Trap[] = [];
let pool: { end(): Promise<void> } | undefined;

beforeAll(async () => {
  // An allowed listener: it answers /ok, and redirects /to?u=… wherever the attacker asks.
  allowed = (await listen("127.0.0.1", (req, res) => {
    const u = new URL(req.url ?? "/", "http://x").searchParams.get("u");
    if (u) res.writeHead(Number(new URL(req.url ?? "/", "http://x").searchParams.get("code") ?? 307), { location: u }).end();
    else res.end("ok");
  }))!;
  const own = Object.values(os.networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((i) => !i.internal && !i.address.startsWith("fe80"))
    .map((i) => i.address);
  for (const a of ["127.0.0.2", ...own]) {
    const t = await listen(a, (_q, res) => res.end("should never be reached"));
    if (t) traps.push(t);
  }
});
afterAll(async () => {
  allowed?.server.close();
  for (const t of traps) t.server.close();
  await pool?.end();
});

describe("notifications cannot be aimed at this host", () => {
  it("delivers nothing to 127.0.0.2 or this host's own addresses, however the URL is spelled or redirected", async () => {
    const loop2 = traps.find((t) => t.address === "127.0.0.2");
    expect(loop2, "a listener on 127.0.0.2").toBeDefined();
    const p = loop2!.port;
    const targets: string[] = [
      ...traps.map((t) => hostUrl(t, "/direct")),
      `http://2130706434:${p}/decimal`,
      `http://0x7f.0.0.2:${p}/hex`,
      `http://0177.0.0.2:${p}/octal`,
      `http://127.2:${p}/short`,
      `http://[::127.0.0.2]:${p}/v4-compatible`,
      `http://[::ffff:127.0.0.2]:${p}/v4-mapped`,
      `http://[64:ff9b::7f00:2]:${p}/nat64`,
      `http://[2002:7f00:2::]:${p}/6to4`,
      // An allowed first hop that redirects to each trap, with the status codes that keep and drop the body.
      ...traps.map((t) => hostUrl(allowed, `/to?u=${encodeURIComponent(hostUrl(t, "/redirected"))}`)),
      hostUrl(allowed, `/to?code=302&u=${encodeURIComponent(`http://[::ffff:127.0.0.2]:${p}/redirected-302`)}`),
    ];
    const control = hostUrl(allowed, "/ok");
    expect(targets.length + 1).toBeLessThanOrEqual(20);
    const pipelineId = await createPipeline({
      name: uniqueName("ssrf"),
      notifications: [...targets, control].map((webhook) => ({ on: ["failure"], webhook })),
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "false" } }] }],
    });
    const runId = await startRun(pipelineId);
    expect((await waitForRun(runId)).status).toBe("failed");

    // The stack's outbox: every row tried once, the control one sent.
    const db = createDb(process.env.DATABASE_URL!);
    pool = db.pool;
    const deadline = Date.now() + 30_000;
    let rows: (typeof notificationOutbox.$inferSelect)[] = [];
    for (;;) {
      rows = await db.db.select().from(notificationOutbox).where(eq(notificationOutbox.runId, runId));
      if (rows.length === targets.length + 1 && rows.every((r) => r.status === "sent" || r.lastError)) break;
      if (Date.now() > deadline)
        throw new Error(
          `the notifications were not all tried within 30 s: ${JSON.stringify(rows.map((r) => [r.target, r.status, r.lastError]))}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rows.find((r) => r.target === control)?.status, "the allowed control notification").toBe("sent");
    // A grace period for anything still in flight, then: not one request reached a trap.
    await new Promise((r) => setTimeout(r, 1000));
    for (const t of traps) expect(t.hits, `requests that reached ${t.address}`).toEqual([]);
    for (const r of rows.filter((r) => r.target !== control)) {
      expect(r.status, r.target).not.toBe("sent");
      expect(r.lastError, r.target).toMatch(/refusing to call .* is not a public address/);
    }
    // The redirects were asked for (the first hop is allowed); only the second hop was refused.
    expect(allowed.hits.filter((h) => h.startsWith("/to?")).length).toBeGreaterThanOrEqual(traps.length + 1);
  });
});
