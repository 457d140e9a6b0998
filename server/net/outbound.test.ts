import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkOutboundUrl, hostAddresses, outboundFetch, parseAllow, type Resolver } from "./outbound";

/**
 * The guarded client against real sockets: an allowed listener on 127.0.0.1 (the allow-list opens
 * it, as the test stack's does) and a trap on 127.0.0.2 that must never see a request.
 */

interface Hit {
  method: string;
  url: string;
  host: string;
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function listen(host: string, handler: () => Handler): Promise<{ server: Server; port: number; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hits.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "", body });
      handler()(req, res, body);
    });
  });
  await new Promise<void>((r, j) => server.once("error", j).listen(0, host, () => r()));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const allow = parseAllow("127.0.0.1");
let ok: Awaited<ReturnType<typeof listen>>;
let trap: Awaited<ReturnType<typeof listen>>;
let okHandler: Handler;
const defaultHandler: Handler = (_q, res) => res.end("ok");

beforeAll(async () => {
  ok = await listen("127.0.0.1", () => okHandler);
  trap = await listen("127.0.0.2", () => defaultHandler);
});
afterAll(() => {
  ok?.server.close();
  trap?.server.close();
});
beforeEach(() => {
  okHandler = defaultHandler;
  ok.hits.length = 0;
  trap.hits.length = 0;
});

const deps = (resolve?: Resolver) => ({ allow, resolve, ownAddresses: () => [] });

describe("outboundFetch", () => {
  it("connects to the address it checked, asking DNS once (no rebinding between check and connect)", async () => {
    const answers = ["127.0.0.1", "127.0.0.2"];
    let asked = 0;
    const resolve: Resolver = async () => [{ address: answers[Math.min(asked++, 1)], family: 4 }];
    const res = await outboundFetch(
      `http://rebind.test:${ok.port}/hook`,
      { method: "POST", body: "{}", headers: { "content-type": "application/json" } },
      deps(resolve),
    );
    expect(res.status).toBe(200);
    expect(asked).toBe(1);
    expect(ok.hits).toEqual([{ method: "POST", url: "/hook", host: `rebind.test:${ok.port}`, body: "{}" }]);
    expect(trap.hits).toEqual([]);
  });

  it("refuses a name whose first answer is blocked, and a name with any blocked answer", async () => {
    await expect(
      outboundFetch(
        `http://rebind.test:${trap.port}/`,
        {},
        deps(async () => [{ address: "127.0.0.2", family: 4 }]),
      ),
    ).rejects.toThrow(/127\.0\.0\.2 is not a public address: loopback/);
    await expect(
      outboundFetch(
        `http://mixed.test:${trap.port}/`,
        {},
        deps(async () => [
          { address: "127.0.0.1", family: 4 },
          { address: "127.0.0.2", family: 4 },
        ]),
      ),
    ).rejects.toThrow(/127\.0\.0\.2/);
    expect(trap.hits).toEqual([]);
  });

  it("refuses localhost and its spellings when the allow-list does not name them", async () => {
    const none = { allow: parseAllow(""), ownAddresses: () => [] };
    for (const u of [`http://localhost:${ok.port}/`, `http://LOCALHOST:${ok.port}/`, `http://127.0.0.1:${ok.port}/`]) {
      await expect(outboundFetch(u, {}, none), u).rejects.toThrow(/loopback/);
    }
    expect(ok.hits).toEqual([]);
  });

  it("judges every spelling of an IPv4 address in a URL as that address", async () => {
    const p = trap.port;
    const spellings = [
      `http://2130706434:${p}/`, // decimal
      `http://0x7f000002:${p}/`, // hex
      `http://0177.0.0.2:${p}/`, // octal
      `http://127.2:${p}/`, // short form
      `http://0x7f.0.0.0x2:${p}/`,
      `http://127.0.0.2.:${p}/`,
      `http://[::ffff:127.0.0.2]:${p}/`,
      `http://[::ffff:7f00:2]:${p}/`,
      `http://[::127.0.0.2]:${p}/`,
      `http://[64:ff9b::7f00:2]:${p}/`,
      `http://[2002:7f00:2::]:${p}/`,
    ];
    for (const u of spellings) {
      expect(new URL(u).hostname, u).toMatch(/^127\.0\.0\.2$|^\[/);
      await expect(outboundFetch(u, {}, deps()), u).rejects.toThrow(/not a public address: loopback/);
    }
    expect(trap.hits).toEqual([]);
  });

  it("checks every redirect hop and refuses one that leads to a blocked address", async () => {
    okHandler = (_q, res) => {
      res.writeHead(307, { location: `http://127.0.0.2:${trap.port}/stolen` });
      res.end();
    };
    await expect(outboundFetch(`http://127.0.0.1:${ok.port}/start`, { method: "POST", body: "x" }, deps())).rejects.toThrow(
      /127\.0\.0\.2:\d+: 127\.0\.0\.2 is not a public address/,
    );
    expect(ok.hits).toHaveLength(1);
    expect(trap.hits).toEqual([]);
  });

  it("follows allowed redirects like a browser: 307 keeps the method and body, 302 after a POST turns into a GET", async () => {
    okHandler = (req, res) => {
      if (req.url === "/a") res.writeHead(307, { location: "/b" }).end();
      else if (req.url === "/b") res.writeHead(302, { location: "/c" }).end();
      else res.end("done");
    };
    const res = await outboundFetch(
      `http://127.0.0.1:${ok.port}/a`,
      { method: "POST", body: "payload", headers: { "content-type": "text/plain" } },
      deps(),
    );
    expect(await res.text()).toBe("done");
    expect(ok.hits.map((h) => [h.method, h.url, h.body])).toEqual([
      ["POST", "/a", "payload"],
      ["POST", "/b", "payload"],
      ["GET", "/c", ""],
    ]);
  });

  it("gives up after the hop limit", async () => {
    okHandler = (_q, res) => res.writeHead(302, { location: "/again" }).end();
    await expect(outboundFetch(`http://127.0.0.1:${ok.port}/`, { maxRedirects: 3 }, deps())).rejects.toThrow(
      /too many redirects .*more than 3/,
    );
    expect(ok.hits).toHaveLength(4);
  });

  it("times out a listener that never answers", async () => {
    okHandler = () => undefined;
    await expect(outboundFetch(`http://127.0.0.1:${ok.port}/`, { timeoutMs: 300 }, deps())).rejects.toThrow(/timed out/);
  });

  it("cuts a huge answer at maxBytes", async () => {
    okHandler = (_q, res) => res.end("x".repeat(100_000));
    const res = await outboundFetch(`http://127.0.0.1:${ok.port}/`, { maxBytes: 1000 }, deps());
    expect((await res.text()).length).toBe(1000);
  });

  it("refuses non-http schemes and says so", async () => {
    await expect(checkOutboundUrl("file:///etc/passwd", deps())).rejects.toThrow(/only http\(s\) URLs/);
    await expect(checkOutboundUrl("gopher://127.0.0.1/", deps())).rejects.toThrow(/only http\(s\) URLs/);
    await expect(checkOutboundUrl("not a url", deps())).rejects.toThrow(/not a URL/);
  });

  it("lets an allowed host name through whatever it resolves to", async () => {
    const res = await outboundFetch(
      `http://hooks.internal:${ok.port}/`,
      {},
      { allow: parseAllow("hooks.internal"), resolve: async () => [{ address: "127.0.0.1", family: 4 }], ownAddresses: () => [] },
    );
    expect(res.status).toBe(200);
  });
});

describe("this host's own addresses", () => {
  const mine = hostAddresses().filter((a) => !a.startsWith("127.") && a !== "::1" && !a.startsWith("fe80"));

  it.skipIf(mine.length === 0)(
    "refuses every non-loopback interface address of this host, with a listener there receiving nothing",
    async () => {
      for (const addr of mine) {
        const l = await listen(addr, () => defaultHandler).catch(() => null);
        if (!l) continue;
        try {
          const host = addr.includes(":") ? `[${addr}]` : addr;
          await expect(outboundFetch(`http://${host}:${l.port}/`, {}, { allow: parseAllow("127.0.0.1") }), addr).rejects.toThrow(
            /not a public address/,
          );
          expect(l.hits).toEqual([]);
        } finally {
          l.server.close();
        }
      }
    },
  );

  it("refuses an own address that would otherwise pass (a public IP on this host)", async () => {
    await expect(checkOutboundUrl("http://8.8.4.4/", { allow: parseAllow(""), ownAddresses: () => ["8.8.4.4"] })).rejects.toThrow(
      /this host's own address/,
    );
  });
});
