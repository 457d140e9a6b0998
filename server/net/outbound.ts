import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "@/lib/errors";

/**
 * Requests to user-given URLs (notifications, webhooks to other tools) must not reach the
 * server's own network: loopback, private, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT and unique-local ranges are refused unless GANTRY_OUTBOUND_ALLOW lists the
 * host or a CIDR that contains its address (DESIGN.md, security model).
 */
const blocked = new BlockList();
for (const [net, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["198.18.0.0", 15]] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) blocked.addSubnet(net, prefix, "ipv6");

export interface Allow {
  hosts: Set<string>;
  nets: BlockList;
}

export function parseAllow(text = process.env.GANTRY_OUTBOUND_ALLOW ?? ""): Allow {
  const hosts = new Set<string>();
  const nets = new BlockList();
  for (const raw of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits] = raw.split("/");
    const v = isIP(addr);
    if (v && bits !== undefined) nets.addSubnet(addr, Number(bits), v === 4 ? "ipv4" : "ipv6");
    else if (v) nets.addAddress(addr, v === 4 ? "ipv4" : "ipv6");
    else hosts.add(raw.toLowerCase());
  }
  return { hosts, nets };
}

export function isBlockedAddress(address: string, allow: Allow): boolean {
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1];
  const v = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (allow.nets.check(address, v)) return false;
  return blocked.check(address, v);
}

/** Throws unless every address the URL's host resolves to may be called. */
export async function assertOutboundAllowed(url: string, allow: Allow = parseAllow()): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError("bad_request", `not a URL: '${url}'`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new AppError("bad_request", `only http(s) URLs may be called, not ${u.protocol}`);
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (allow.hosts.has(host)) return;
  const addrs = isIP(host) ? [{ address: host }] : await lookup(host, { all: true, verbatim: true });
  for (const a of addrs) {
    if (isBlockedAddress(a.address, allow)) {
      throw new AppError("forbidden", `refusing to call ${u.host}: ${a.address} is a loopback, private or link-local address (allow it with GANTRY_OUTBOUND_ALLOW)`);
    }
  }
}
