import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import os from "node:os";
import { AppError } from "@/lib/errors";
import { blockedReason, parseAllow, type Allow } from "./addresses";

/**
 * The one way Gantry calls a user-given URL (notifications, reports to other tools): the host
 * name is resolved once, every address it resolves to is judged (server/net/addresses.ts: special-
 * purpose ranges, this host's own addresses, GANTRY_OUTBOUND_ALLOW), and the socket connects to
 * the address that was judged, so a second DNS answer (rebinding) is never asked for. Redirects
 * are followed by hand, each hop judged again, at most `maxRedirects` of them.
 */

export { parseAllow, type Allow } from "./addresses";

export interface Resolved {
  address: string;
  family: number;
}
export type Resolver = (host: string) => Promise<Resolved[]>;

export interface OutboundDeps {
  allow?: Allow;
  /** Injected for tests; dns.lookup (the system resolver, /etc/hosts included) otherwise. */
  resolve?: Resolver;
  /** This host's interface addresses; os.networkInterfaces(), refreshed every 30 s, otherwise. */
  ownAddresses?: () => readonly string[];
}

export interface OutboundInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** For the whole call, redirects included. */
  timeoutMs?: number;
  maxRedirects?: number;
  /** The response body is cut after this many bytes. */
  maxBytes?: number;
  signal?: AbortSignal;
}

const systemResolve: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

const OWN_REFRESH_MS = 30_000;
let own: { at: number; list: string[] } | null = null;

/** The addresses of this host's interfaces (loopback ones included), re-read every 30 s. */
export function hostAddresses(now = Date.now()): readonly string[] {
  if (!own || now - own.at > OWN_REFRESH_MS) {
    const list = Object.values(os.networkInterfaces())
      .flatMap((l) => l ?? [])
      .map((i) => i.address);
    own = { at: now, list };
  }
  return own.list;
}

export interface Checked {
  url: URL;
  /** The host name without IPv6 brackets. */
  host: string;
  /** The address the connection must go to. */
  pinned: Resolved;
}

/** Resolves the URL's host once and throws unless every address it resolves to may be called. */
export async function checkOutboundUrl(url: string | URL, deps: OutboundDeps = {}): Promise<Checked> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError("bad_request", `not a URL: '${String(url)}'`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new AppError("bad_request", `only http(s) URLs may be called, not ${u.protocol}`);
  const allow = deps.allow ?? parseAllow();
  // WHATWG URL parsing already turned 2130706433, 0x7f.1 and 017700000001 into 127.0.0.1.
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(host);
  let addrs: Resolved[];
  if (family) addrs = [{ address: host, family }];
  else {
    try {
      addrs = await (deps.resolve ?? systemResolve)(host);
    } catch (e) {
      throw new AppError("bad_request", `cannot resolve ${host}: ${(e as Error).message}`);
    }
    if (!addrs.length) throw new AppError("bad_request", `cannot resolve ${host}: no addresses`);
  }
  if (!allow.hosts.has(host.replace(/\.$/, ""))) {
    const mine = (deps.ownAddresses ?? hostAddresses)();
    for (const a of addrs) {
      const why = blockedReason(a.address, allow, mine);
      if (why)
        throw new AppError(
          "forbidden",
          `refusing to call ${u.host}: ${a.address} is not a public address: ${why} (allow it with GANTRY_OUTBOUND_ALLOW)`,
        );
    }
  }
  return { url: u, host, pinned: addrs[0] };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/** `fetch` for user-given URLs, through the guard above. Answers a `Response` with a bounded body. */
export async function outboundFetch(url: string | URL, init: OutboundInit = {}, deps: OutboundDeps = {}): Promise<Response> {
  const timeout = AbortSignal.timeout(init.timeoutMs ?? 10_000);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const maxRedirects = init.maxRedirects ?? 5;
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  let headers: Record<string, string> = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let current: URL = new URL(String(url));
  for (let hop = 0; ; hop++) {
    const target = await checkOutboundUrl(current, deps);
    const res = await requestOnce(target, { method, headers, body, signal, maxBytes: init.maxBytes ?? 1024 * 1024 });
    const location = res.headers.get("location");
    if (!REDIRECTS.has(res.status) || !location) return res;
    if (hop >= maxRedirects)
      throw new AppError("bad_request", `too many redirects calling ${new URL(String(url)).host} (more than ${maxRedirects})`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new AppError("bad_request", `${current.host} redirected to a bad URL: '${location.slice(0, 200)}'`);
    }
    // As browsers do: 303, and 301/302 after a POST, become a GET without a body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = method === "HEAD" ? "HEAD" : "GET";
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith("content-")));
    }
    if (next.origin !== current.origin)
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== "authorization" && k !== "cookie"));
    current = next;
  }
}

/** A `lookup` that answers the checked address, whatever the name, in both call styles. */
function pinnedLookup(pinned: Resolved): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
}

function requestOnce(
  t: Checked,
  o: { method: string; headers: Record<string, string>; body: string | Uint8Array | undefined; signal: AbortSignal; maxBytes: number },
): Promise<Response> {
  const mod = t.url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const req = mod.request(
      {
        protocol: t.url.protocol,
        // The name stays the host (Host header, TLS SNI and certificate check); the lookup pins the address.
        host: t.host,
        port: t.url.port || undefined,
        path: `${t.url.pathname}${t.url.search}`,
        method: o.method,
        headers: { ...o.headers, ...(o.body !== undefined ? { "content-length": String(Buffer.byteLength(o.body)) } : {}) },
        lookup: pinnedLookup(t.pinned),
        family: t.pinned.family,
        agent: false,
        signal: o.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let cut = false;
        const finish = () => {
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            try {
              headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
            } catch {
              // A header value fetch would refuse: not needed by any caller.
            }
          }
          const status = res.statusCode ?? 502;
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers }));
        };
        res.on("data", (c: Buffer) => {
          if (cut) return;
          size += c.length;
          if (size > o.maxBytes) {
            chunks.push(c.subarray(0, c.length - (size - o.maxBytes)));
            cut = true;
            finish();
            res.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => cut || finish());
        res.on("error", (e) => cut || reject(e));
      },
    );
    req.on("error", (e) => reject(o.signal.aborted ? new Error(`calling ${t.url.host} timed out or was aborted`) : e));
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}
