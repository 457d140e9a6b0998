import { describe, expect, it } from "vitest";
import { assertOutboundAllowed, isBlockedAddress, parseAllow } from "./outbound";

describe("outbound URL guard", () => {
  const none = parseAllow("");
  it("refuses loopback, private, link-local and metadata addresses", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1"]) {
      expect(isBlockedAddress(a, none), a).toBe(true);
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700::1111"]) expect(isBlockedAddress(a, none), a).toBe(false);
  });

  it("lets the allow-list open hosts and networks", async () => {
    const allow = parseAllow("127.0.0.1, 10.0.0.0/8, hooks.internal");
    expect(isBlockedAddress("127.0.0.1", allow)).toBe(false);
    expect(isBlockedAddress("10.9.9.9", allow)).toBe(false);
    expect(isBlockedAddress("192.168.0.1", allow)).toBe(true);
    await expect(assertOutboundAllowed("http://hooks.internal/x", allow)).resolves.toBeUndefined();
  });

  it("says why a URL is refused", async () => {
    await expect(assertOutboundAllowed("http://169.254.169.254/latest/meta-data", none)).rejects.toThrow(/169\.254\.169\.254 is a loopback, private or link-local address/);
    await expect(assertOutboundAllowed("http://localhost:9/x", none)).rejects.toThrow(/GANTRY_OUTBOUND_ALLOW/);
    await expect(assertOutboundAllowed("file:///etc/passwd", none)).rejects.toThrow(/only http\(s\)/);
  });
});
