import { describe, expect, it } from "vitest";
import { normalizeAddress, parseTrustedProxies, resolveClientAddress } from "./client-address";

describe("normalizeAddress", () => {
  it("unwraps IPv4-mapped IPv6, strips ports and brackets, and refuses what is not an address", () => {
    expect(normalizeAddress("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(normalizeAddress(" 10.1.2.3:8080 ")).toBe("10.1.2.3");
    expect(normalizeAddress("[2001:DB8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("unknown")).toBeNull();
    expect(normalizeAddress("1.2.3.4, 5.6.7.8")).toBeNull();
    expect(normalizeAddress("")).toBeNull();
  });
});

describe("parseTrustedProxies", () => {
  it("takes addresses and CIDRs of both families, separated by commas or spaces", () => {
    const t = parseTrustedProxies("10.0.0.0/8, 192.168.1.7 fd00::/8")!;
    expect(t.has("10.200.0.1")).toBe(true);
    expect(t.has("::ffff:10.200.0.1")).toBe(true);
    expect(t.has("192.168.1.7")).toBe(true);
    expect(t.has("192.168.1.8")).toBe(false);
    expect(t.has("fd12::1")).toBe(true);
    expect(t.has("2001:db8::1")).toBe(false);
  });
  it("is null when unset or blank", () => {
    expect(parseTrustedProxies(undefined)).toBeNull();
    expect(parseTrustedProxies(" , ")).toBeNull();
  });
  it("names the entry that is not an address or range", () => {
    expect(() => parseTrustedProxies("10.0.0.0/8, proxy.internal")).toThrow(/'proxy.internal' is not an IP address or CIDR range/);
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/'10.0.0.0\/33'/);
  });
});

describe("resolveClientAddress", () => {
  const trusted = parseTrustedProxies("10.0.0.0/8, 127.0.0.2");
  it("without trusted proxies is the socket peer, whatever X-Forwarded-For says", () => {
    expect(resolveClientAddress("::ffff:203.0.113.9", "1.1.1.1", null)).toBe("203.0.113.9");
    expect(resolveClientAddress("203.0.113.9", undefined, null)).toBe("203.0.113.9");
  });
  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(resolveClientAddress("203.0.113.9", "1.1.1.1", trusted)).toBe("203.0.113.9");
  });
  it("takes the right-most address that is not a trusted proxy, so a client's own prefix is ignored", () => {
    expect(resolveClientAddress("10.0.0.5", "6.6.6.6, 198.51.100.7", trusted)).toBe("198.51.100.7");
    expect(resolveClientAddress("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9", trusted)).toBe("198.51.100.7");
    expect(resolveClientAddress("127.0.0.2", "198.51.100.7:5555", trusted)).toBe("198.51.100.7");
  });
  it("stops at an entry that is not an address and keeps the last trusted hop", () => {
    expect(resolveClientAddress("10.0.0.5", "198.51.100.7, garbage, 10.0.0.9", trusted)).toBe("10.0.0.9");
  });
  it("is the proxy itself when it forwards no header, or the left-most when every hop is trusted", () => {
    expect(resolveClientAddress("10.0.0.5", null, trusted)).toBe("10.0.0.5");
    expect(resolveClientAddress("10.0.0.5", "10.0.0.1, 10.0.0.2", trusted)).toBe("10.0.0.1");
  });
  it("is null when the server could not tell the peer", () => {
    expect(resolveClientAddress(null, "1.1.1.1", trusted)).toBeNull();
  });
});
