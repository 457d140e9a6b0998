import { BlockList, isIP } from "node:net";

/**
 * Which address a request came from. Without GANTRY_TRUSTED_PROXIES it is the TCP peer, whatever
 * headers the client sends; with it, a request whose peer is a trusted proxy is traced back
 * through `X-Forwarded-For` from the right, skipping trusted proxies, to the first address that
 * is not one (docs/security.md, "Client addresses behind a proxy").
 */

/**
 * The TCP peer's address, stamped on every request by the web server (server/http/peer-address.ts)
 * over whatever a client sent under this name. Next's route handlers and `headers()` only see
 * headers; Next itself sets `X-Forwarded-For` from the socket only when the client sent none.
 */
export const PEER_HEADER = "x-gantry-peer-address";

/** `::ffff:10.0.0.1` → `10.0.0.1`; `[::1]:443` and `10.0.0.1:80` lose the port; anything else not an IP → null. */
export function normalizeAddress(raw: string | null | undefined): string | null {
  let a = (raw ?? "").trim();
  if (!a) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(":"));
  a = a.replace(/%.*$/, ""); // zone id of a link-local IPv6 address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  const v = isIP(a);
  if (v === 0) return null;
  return v === 6 ? a.toLowerCase() : a;
}

export interface TrustedProxies {
  /** The entries as configured, for messages. */
  entries: string[];
  has(address: string): boolean;
}

/**
 * Parses GANTRY_TRUSTED_PROXIES: addresses or CIDRs separated by commas or spaces
 * (`10.0.0.0/8, 192.168.1.7, fd00::/8`). Throws saying which entry is wrong.
 */
export function parseTrustedProxies(text: string | undefined): TrustedProxies | null {
  const entries = (text ?? "").split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const e of entries) {
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(e);
    const addr = m ? normalizeAddress(m[1]) : null;
    const family = addr ? (isIP(addr) === 4 ? "ipv4" : "ipv6") : null;
    const max = family === "ipv4" ? 32 : 128;
    const prefix = m?.[2] === undefined ? max : Number(m[2]);
    if (!addr || !family || prefix > max) {
      throw new Error(
        `GANTRY_TRUSTED_PROXIES: '${e}' is not an IP address or CIDR range (expected e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8)`,
      );
    }
    list.addSubnet(addr, prefix, family);
  }
  return {
    entries,
    has: (address) => {
      const a = normalizeAddress(address);
      return !!a && list.check(a, isIP(a) === 4 ? "ipv4" : "ipv6");
    },
  };
}

/**
 * The client's address from the socket peer and the `X-Forwarded-For` chain. Entries that are not
 * addresses stop the walk: what is left of them was written by someone we cannot vouch for, so
 * the last trusted hop that passed them on is taken instead.
 */
export function resolveClientAddress(
  peer: string | null | undefined,
  forwardedFor: string | null | undefined,
  trusted: TrustedProxies | null,
): string | null {
  const p = normalizeAddress(peer);
  if (!p || !trusted || !trusted.has(p)) return p;
  const chain = (forwardedFor ?? "").split(",");
  let last = p;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!chain[i].trim() && chain.length === 1) break; // no header at all
    const a = normalizeAddress(chain[i]);
    if (!a) return last;
    if (!trusted.has(a)) return a;
    last = a;
  }
  // Every hop is a trusted proxy: the left-most is the closest we know to the client.
  return last;
}

let cached: { text: string | undefined; value: TrustedProxies | null } | undefined;

/** GANTRY_TRUSTED_PROXIES, parsed once (a bad value fails every request loudly rather than trusting headers). */
export function trustedProxies(): TrustedProxies | null {
  const text = process.env.GANTRY_TRUSTED_PROXIES;
  if (!cached || cached.text !== text) cached = { text, value: parseTrustedProxies(text) };
  return cached.value;
}

/** Headers as a `Headers` object or as the plain record next-auth hands to `authorize`. */
type HeaderSource = Headers | Record<string, unknown> | undefined;

function header(h: HeaderSource, name: string): string | null {
  if (!h) return null;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  const v = (h as Record<string, unknown>)[name];
  return Array.isArray(v) ? v.join(", ") : typeof v === "string" ? v : null;
}

/** The client's address for the audit trail and the sign-in throttle; null only when the server could not tell. */
export function clientAddress(headers: HeaderSource): string | null {
  return resolveClientAddress(header(headers, PEER_HEADER), header(headers, "x-forwarded-for"), trustedProxies());
}
