import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { get, testEnv } from "../api-helpers";
import { raw, signIn } from "./auth-helpers";

/**
 * Item 5 of the attack review (issue 16): `X-Forwarded-For` was trusted, so anyone could write the
 * address of their choice into the audit trail and dodge the per-address sign-in limit. The test
 * stack trusts 127.0.0.2 as a proxy (GANTRY_TRUSTED_PROXIES); requests from 127.0.0.3 and up are
 * ordinary clients.
 */

const suffix = () => randomBytes(3).toString("hex");

/** Adds a user with the admin token from `from`, with extra headers; returns the address the audit trail recorded. */
async function auditedAddress(from: string, headers: Record<string, string>): Promise<string | null> {
  const username = `addr-${suffix()}`;
  const res = await raw("POST", "/api/v1/users", {
    from,
    headers: { authorization: `Bearer ${testEnv().token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, name: "Address probe" }),
  });
  expect(res.status, res.text).toBe(201);
  const audit = await get(`/api/v1/audit?action=user.create&limit=200`);
  const event = audit.body.items.find((e: any) => e.target.name === username);
  expect(event, `no user.create event for ${username}`).toBeTruthy();
  return event.address;
}

describe("client addresses", () => {
  it("a client's X-Forwarded-For and X-Real-IP do not change the audited address: it is the TCP peer", async () => {
    expect(await auditedAddress("127.0.0.3", { "x-forwarded-for": "6.6.6.6", "x-real-ip": "7.7.7.7" })).toBe("127.0.0.3");
    expect(await auditedAddress("127.0.0.3", { "x-forwarded-for": "6.6.6.6, 127.0.0.2" })).toBe("127.0.0.3");
    // A client may even claim to be the peer header itself.
    expect(await auditedAddress("127.0.0.3", { "x-gantry-peer-address": "127.0.0.2", "x-forwarded-for": "6.6.6.6" })).toBe("127.0.0.3");
  });

  it("behind a trusted proxy the right-most address that is not a trusted proxy is audited, not the client's own prefix", async () => {
    expect(await auditedAddress("127.0.0.2", { "x-forwarded-for": "6.6.6.6, 198.51.100.23" })).toBe("198.51.100.23");
    expect(await auditedAddress("127.0.0.2", { "x-forwarded-for": "6.6.6.6, 198.51.100.24, 127.0.0.2" })).toBe("198.51.100.24");
    // The proxy sent nothing: the proxy is all we know.
    expect(await auditedAddress("127.0.0.2", {})).toBe("127.0.0.2");
  });

  it("a new X-Forwarded-For on every attempt does not dodge the per-address sign-in limit (20)", async () => {
    // A source address of its own, so that no earlier failure counts against it.
    const from = `127.0.${1 + Math.floor(Math.random() * 250)}.${4 + Math.floor(Math.random() * 250)}`;
    const results: (string | null)[] = [];
    for (let i = 1; i <= 21; i++) {
      // A different user name each time, so that only the address limit can trigger.
      const r = await signIn(`nobody-${suffix()}`, "wrong-password-123", { from, forwardedFor: `203.0.113.${i}` });
      results.push(r.error);
    }
    expect(
      results.slice(0, 19).every((e) => e === "CredentialsSignin"),
      results.join(","),
    ).toBe(true);
    expect(results[19], "the 20th failure locks the address").toMatch(/^locked:\d+$/);
    expect(results[20], "and a fresh X-Forwarded-For does not unlock it").toMatch(/^locked:\d+$/);
  }, 120_000);
});
