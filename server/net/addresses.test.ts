import { describe, expect, it } from "vitest";
import { blockedReason, parseAllow, parseCidr } from "./addresses";

const none = parseAllow("");
const blocked = (a: string, own: string[] = []) => blockedReason(a, none, own);

describe("special-purpose addresses", () => {
  // One address inside each range of the IANA IPv4 special-purpose registry that is not globally
  // reachable, at both of its ends, plus multicast and the reserved block.
  const v4: [string, string, RegExp][] = [
    ["0.0.0.0", "0.255.255.255", /this network/],
    ["10.0.0.0", "10.255.255.255", /private/],
    ["100.64.0.0", "100.127.255.255", /carrier-grade NAT/],
    ["127.0.0.1", "127.255.255.254", /loopback/],
    ["169.254.0.1", "169.254.169.254", /link-local/],
    ["172.16.0.0", "172.31.255.255", /private/],
    ["192.0.0.0", "192.0.0.255", /IETF/],
    ["192.0.2.0", "192.0.2.255", /documentation/],
    ["192.88.99.0", "192.88.99.255", /6to4 relay/],
    ["192.168.0.0", "192.168.255.255", /private/],
    ["198.18.0.0", "198.19.255.255", /benchmarking/],
    ["198.51.100.0", "198.51.100.255", /documentation/],
    ["203.0.113.0", "203.0.113.255", /documentation/],
    ["224.0.0.1", "239.255.255.255", /multicast/],
    ["240.0.0.0", "255.255.255.254", /reserved/],
    ["255.255.255.255", "255.255.255.255", /broadcast/],
  ];
  it.each(v4)("refuses %s … %s (IPv4)", (first, last, why) => {
    expect(blocked(first)).toMatch(why);
    expect(blocked(last)).toMatch(why);
  });

  it("lets the neighbours of those ranges through", () => {
    for (const a of [
      "1.1.1.1",
      "8.8.8.8",
      "11.0.0.0",
      "100.63.255.255",
      "100.128.0.0",
      "126.255.255.255",
      "128.0.0.0",
      "169.253.255.255",
      "172.15.255.255",
      "172.32.0.0",
      "192.0.1.0",
      "192.0.3.0",
      "192.88.98.255",
      "192.167.255.255",
      "192.169.0.0",
      "198.17.255.255",
      "198.20.0.0",
      "198.51.99.255",
      "203.0.112.255",
      "223.255.255.255",
    ]) {
      expect(blocked(a), a).toBeNull();
    }
  });

  const v6: [string, RegExp][] = [
    ["::", /unspecified/],
    ["::1", /loopback/],
    ["64:ff9b:1::1", /local-use NAT64/],
    ["64:ff9b:1:ffff::1", /local-use NAT64/],
    ["100::1", /discard/],
    ["100::ffff:ffff:ffff:ffff", /discard/],
    ["2001::1", /IETF/], // Teredo
    ["2001:1ff:ffff::1", /IETF/],
    ["2001:db8::1", /documentation/],
    ["2001:db8:ffff:ffff::1", /documentation/],
    ["3fff::1", /documentation/],
    ["3fff:fff:ffff::1", /documentation/],
    ["5f00::1", /segment routing/],
    ["fc00::1", /unique-local/],
    ["fdff:ffff::1", /unique-local/],
    ["fe80::1", /link-local/],
    ["fe80::1%eth0", /link-local/],
    ["febf:ffff::1", /link-local/],
    ["fec0::1", /site-local/],
    ["ff02::1", /multicast/],
    ["ff0e::1", /multicast/],
  ];
  it.each(v6)("refuses %s (IPv6)", (a, why) => {
    expect(blocked(a)).toMatch(why);
  });

  it("lets global IPv6 addresses through", () => {
    for (const a of ["2606:4700::1111", "2a00:1450:4001::200e", "2001:200::1", "3fff:1000::1", "64:ff9b:2::1", "101::1"])
      expect(blocked(a), a).toBeNull();
  });

  it("judges IPv6 forms that carry an IPv4 address as that address", () => {
    const carried: [string, RegExp][] = [
      ["::ffff:127.0.0.2", /loopback .*carried in/],
      ["::ffff:7f00:2", /loopback/],
      ["::ffff:169.254.169.254", /link-local/],
      ["::127.0.0.2", /loopback/], // IPv4-compatible
      ["::7f00:2", /loopback/],
      ["::10.0.0.1", /private/],
      ["64:ff9b::7f00:2", /loopback/], // NAT64
      ["64:ff9b::127.0.0.1", /loopback/],
      ["64:ff9b::a9fe:a9fe", /link-local/],
      ["2002:7f00:2::1", /loopback/], // 6to4
      ["2002:c0a8:101::", /private/],
    ];
    for (const [a, why] of carried) expect(blocked(a), a).toMatch(why);
    for (const a of ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "::8.8.8.8"]) expect(blocked(a), a).toBeNull();
  });

  it("refuses this host's own addresses, in every spelling", () => {
    expect(blocked("203.0.114.7", ["203.0.114.7"])).toMatch(/this host's own address/);
    expect(blocked("::ffff:203.0.114.7", ["203.0.114.7"])).toMatch(/this host's own address/);
    expect(blocked("64:ff9b::cb00:7207", ["203.0.114.7"])).toMatch(/this host's own address/);
    expect(blocked("2a01:4f8::5", ["2a01:4f8:0::5"])).toMatch(/this host's own address/);
    expect(blocked("203.0.114.8", ["203.0.114.7"])).toBeNull();
  });

  it("says when a text is no address at all", () => {
    expect(blocked("localhost")).toMatch(/not an IP address/);
  });
});

describe("the allow-list (GANTRY_OUTBOUND_ALLOW)", () => {
  it("opens addresses and networks, in IPv4 and IPv6 spellings", () => {
    const allow = parseAllow("127.0.0.1, 10.0.0.0/8, fd00::/8, [::1], hooks.internal");
    expect(blockedReason("127.0.0.1", allow)).toBeNull();
    expect(blockedReason("::ffff:127.0.0.1", allow)).toBeNull();
    expect(blockedReason("127.0.0.2", allow)).toMatch(/loopback/);
    expect(blockedReason("::127.0.0.2", allow)).toMatch(/loopback/);
    expect(blockedReason("10.9.9.9", allow)).toBeNull();
    expect(blockedReason("fd12::1", allow)).toBeNull();
    expect(blockedReason("fe80::1", allow)).toMatch(/link-local/);
    expect(blockedReason("::1", allow)).toBeNull();
    expect(blockedReason("192.168.0.1", allow)).toMatch(/private/);
    expect(allow.hosts).toEqual(new Set(["hooks.internal"]));
  });

  it("wins over this host's own addresses when it names them", () => {
    expect(blockedReason("203.0.114.7", parseAllow("203.0.114.7"), ["203.0.114.7"])).toBeNull();
  });

  it("refuses an entry that looks like an address but is not one, naming it", () => {
    expect(() => parseAllow("10.0.0.0/33")).toThrow(/'10\.0\.0\.0\/33' is neither/);
    expect(() => parseAllow("300.1.1.1")).toThrow(/GANTRY_OUTBOUND_ALLOW/);
  });

  it("parses CIDRs of both families", () => {
    expect(parseCidr("10.0.0.0/8")?.bits).toBe(104);
    expect(parseCidr("fc00::/7")?.bits).toBe(7);
    expect(parseCidr("1.2.3.4")?.bits).toBe(128);
    expect(parseCidr("nope")).toBeNull();
  });
});
