import { afterEach, describe, expect, it } from "vitest";
import { crossSiteReason } from "./same-origin";

const req = (method: string, headers: Record<string, string>, url = "http://localhost:3000/api/v1/users") =>
  new Request(url, { method, headers });

describe("crossSiteReason", () => {
  afterEach(() => {
    delete process.env.NEXTAUTH_URL;
  });

  it("lets the app's own origin write, by Host or by its public URL", () => {
    expect(crossSiteReason(req("POST", { host: "localhost:3000", origin: "http://localhost:3000" }))).toBeNull();
    process.env.NEXTAUTH_URL = "https://ci.example.com/";
    expect(crossSiteReason(req("POST", { host: "gantry-web:3000", origin: "https://ci.example.com" }))).toBeNull();
  });

  it("refuses another port of the same host, a sibling domain, an opaque origin", () => {
    expect(crossSiteReason(req("POST", { host: "localhost:3000", origin: "http://localhost:4000" }))).toMatch(/localhost:4000/);
    expect(crossSiteReason(req("DELETE", { host: "ci.example.com", origin: "https://wiki.example.com" }))).toMatch(/wiki/);
    expect(crossSiteReason(req("PUT", { host: "localhost:3000", origin: "null" }))).toMatch(/opaque/);
    expect(crossSiteReason(req("PATCH", { host: "localhost:3000", origin: "http://localhost:3000.evil.example" }))).not.toBeNull();
  });

  it("falls back to Sec-Fetch-Site without Origin", () => {
    expect(crossSiteReason(req("POST", { host: "localhost:3000", "sec-fetch-site": "same-site" }))).toMatch(/same-site/);
    expect(crossSiteReason(req("POST", { host: "localhost:3000", "sec-fetch-site": "cross-site" }))).toMatch(/cross-site/);
    expect(crossSiteReason(req("POST", { host: "localhost:3000", "sec-fetch-site": "same-origin" }))).toBeNull();
  });

  it("leaves reads and clients that are not browsers alone", () => {
    expect(crossSiteReason(req("GET", { host: "localhost:3000", origin: "http://localhost:4000" }))).toBeNull();
    expect(crossSiteReason(req("POST", { host: "localhost:3000" }))).toBeNull();
  });
});
