import { isIP } from "node:net";

/**
 * Which IP addresses an outbound call may reach: every special-purpose range of the IANA IPv4 and
 * IPv6 registries is refused, IPv6 forms that carry an IPv4 address are judged as that address,
 * and an allow-list (GANTRY_OUTBOUND_ALLOW) opens hosts or networks on purpose. Pure: the host's
 * own interface addresses are passed in by the caller (server/net/outbound.ts).
 */

/** An address as 16 bytes (IPv4 as its IPv4-mapped IPv6 form) plus its family. */
interface Ip {
  bytes: Uint8Array;
  v4: boolean;
}

interface Range {
  bytes: Uint8Array;
  bits: number;
  name: string;
}

function parseV4(s: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const out = m.slice(1).map(Number);
  return out.every((n) => n <= 255) ? Uint8Array.from(out) : null;
}

function parseV6(s: string): Uint8Array | null {
  const text = s.replace(/%.*$/, ""); // a zone (fe80::1%eth0) says nothing about the range
  if (isIP(text) !== 6) return null;
  let head = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    // ::ffff:1.2.3.4 → ::ffff:102:304
    const v4 = parseV4(dotted[2]);
    if (!v4) return null;
    head = `${dotted[1]}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, null];
  const l = left ? left.split(":") : [];
  const r = right === null ? [] : right ? right.split(":") : [];
  const fill = right === null ? 0 : 8 - l.length - r.length;
  const groups = [...l, ...Array<string>(fill).fill("0"), ...r];
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function parseIp(s: string): Ip | null {
  const v4 = parseV4(s);
  if (v4) return { bytes: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]), v4: true };
  const v6 = parseV6(s);
  return v6 ? { bytes: v6, v4: false } : null;
}

function inRange(ip: Uint8Array, r: Range): boolean {
  for (let bit = 0; bit < r.bits; bit += 8) {
    const left = r.bits - bit;
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    const i = bit >> 3;
    if ((ip[i] & mask) !== (r.bytes[i] & mask)) return false;
  }
  return true;
}

/** "10.0.0.0/8", "fc00::/7", "1.2.3.4" (a /32 or /128) → a range; null when it is not one. */
export function parseCidr(text: string, name = text): Range | null {
  const [addr, bitsText, ...rest] = text.trim().split("/");
  if (rest.length) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.v4 ? 32 : 128;
  const bits = bitsText === undefined ? max : /^\d+$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= max)) return null;
  return { bytes: ip.bytes, bits: ip.v4 ? bits + 96 : bits, name };
}

/** The tables below are written by hand: a range that does not parse is a typo, found at start-up. */
function range(cidr: string, name: string): Range {
  const r = parseCidr(cidr, `${name} (${cidr})`);
  if (!r) throw new Error(`not a CIDR range: ${cidr}`);
  return r;
}

/** The IANA IPv4 special-purpose registry's ranges that are not globally reachable, and multicast. */
const V4_SPECIAL: Range[] = [
  range("255.255.255.255/32", "limited broadcast"), // before 240/4, which holds it
  range("0.0.0.0/8", "'this network'"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "carrier-grade NAT"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local (cloud metadata)"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "IETF protocol assignments"),
  range("192.0.2.0/24", "documentation"),
  range("192.88.99.0/24", "6to4 relay anycast"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "benchmarking"),
  range("198.51.100.0/24", "documentation"),
  range("203.0.113.0/24", "documentation"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
];

/** The IANA IPv6 special-purpose registry, plus multicast and the deprecated site-local range. */
const V6_SPECIAL: Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("64:ff9b:1::/48", "local-use NAT64"),
  range("100::/64", "discard-only"),
  range("2001::/23", "IETF protocol assignments (Teredo, ORCHID…)"),
  range("2001:db8::/32", "documentation"),
  range("3fff::/20", "documentation"),
  range("5f00::/16", "segment routing SIDs"),
  range("fc00::/7", "unique-local"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "site-local"),
  range("ff00::/8", "multicast"),
];

const MAPPED = range("::ffff:0:0/96", "IPv4-mapped");
const COMPAT = range("::/96", "IPv4-compatible");
const NAT64 = range("64:ff9b::/96", "NAT64");
const SIX_TO_FOUR = range("2002::/16", "6to4");

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), or null. */
function embeddedV4(ip: Uint8Array): Uint8Array | null {
  if (inRange(ip, MAPPED) || inRange(ip, NAT64)) return ip.slice(12);
  // ::/96 holds :: and ::1 too; those are judged as themselves.
  if (inRange(ip, COMPAT) && !(ip.slice(12, 15).every((b) => b === 0) && ip[15] <= 1)) return ip.slice(12);
  if (inRange(ip, SIX_TO_FOUR)) return ip.slice(2, 6);
  return null;
}

const asMapped = (v4: Uint8Array) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);

export interface Allow {
  /** Host names (lower case) that may be called whatever they resolve to. */
  hosts: Set<string>;
  nets: Range[];
}

/** GANTRY_OUTBOUND_ALLOW: comma-separated host names, addresses and CIDRs. */
export function parseAllow(text = process.env.GANTRY_OUTBOUND_ALLOW ?? ""): Allow {
  const hosts = new Set<string>();
  const nets: Range[] = [];
  for (const raw of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const net = parseCidr(raw.replace(/^\[(.*)\]$/, "$1"));
    if (net) nets.push(net);
    else if (/[/:]/.test(raw) || /^[\d.]+$/.test(raw))
      throw new Error(`GANTRY_OUTBOUND_ALLOW: '${raw}' is neither a host name, an address nor a CIDR`);
    else hosts.add(raw.toLowerCase().replace(/\.$/, ""));
  }
  return { hosts, nets };
}

/**
 * Why `address` may not be called ("loopback (127.0.0.0/8)", "this host's own address"), or null
 * when it may. `own` are the host's interface addresses; the allow-list wins over every rule.
 */
export function blockedReason(address: string, allow: Allow, own: readonly string[] = []): string | null {
  const ip = parseIp(address);
  if (!ip) return `'${address}' is not an IP address`;
  const inner = ip.v4 ? null : embeddedV4(ip.bytes);
  const judged = inner ? asMapped(inner) : ip.bytes;
  if (allow.nets.some((n) => inRange(ip.bytes, n) || inRange(judged, n))) return null;
  const via = inner ? ` carried in ${address}` : "";
  const v4 = inner !== null || ip.v4;
  if (v4) {
    const r = V4_SPECIAL.find((s) => inRange(judged, s));
    if (r) return `${r.name}${via}`;
  } else {
    const r = V6_SPECIAL.find((s) => inRange(ip.bytes, s));
    if (r) return r.name;
  }
  for (const o of own) {
    const mine = parseIp(o);
    if (mine && (eq(mine.bytes, judged) || eq(mine.bytes, ip.bytes))) return `this host's own address${via}`;
  }
  return null;
}

function eq(a: Uint8Array, b: Uint8Array) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
