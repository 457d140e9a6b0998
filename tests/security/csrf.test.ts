import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { call, get, testEnv, uniqueName } from "../api-helpers";
import { v1Routes } from "../route-files";
import { signInCookie } from "./browser-session";

/**
 * Cross-site request forgery against the running stack: a page on another origin of the same
 * site (another port of this host) makes the signed-in admin's browser send writes with the
 * session cookie. Every write route of the REST API must refuse them; token calls are unaffected.
 */

// Every (method, path) the API serves for writes, read from the route files themselves. The
// webhook endpoint authenticates each delivery by its signature, never by a cookie.
const routes = v1Routes(path.resolve(import.meta.dirname, "../..")).filter(
  (r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method) && !r.path.includes("/hooks/"),
);
const concrete = (p: string) => p.replace(/\{([^}]+)\}/g, (_, name: string) => (name === "n" ? "1" : `x-${name.toLowerCase()}`));

let cookie: string;
let appOrigin: string;
const attacker = "http://localhost:1"; // another port of the same host: same site, other origin

beforeAll(async () => {
  cookie = await signInCookie();
  appOrigin = new URL(testEnv().url).origin;
});

/** A request as the browser sends it for `fetch(url, {method, mode: "no-cors", credentials: "include", body})`. */
function forged(method: string, p: string, headers: Record<string, string> = { origin: attacker, "sec-fetch-site": "same-site" }) {
  return call(method, p, {
    token: null,
    raw: JSON.stringify({ username: uniqueName("csrf"), name: "x", password: "password-1234", role: "admin" }),
    contentType: "text/plain;charset=UTF-8",
    headers: { cookie, ...headers },
  });
}

describe("cross-site writes with the session cookie", () => {
  it("finds every write route of the API in the route files", () => {
    // A walker that found nothing would make every test below pass vacuously.
    expect(routes.length, routes.map((r) => `${r.method} ${r.path}`).join("\n")).toBeGreaterThanOrEqual(25);
    expect(routes).toContainEqual(expect.objectContaining({ method: "POST", path: "/api/v1/users" }));
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s refuses a request from another origin of the same site",
    async (_, r) => {
      const res = await forged(r.method, concrete(r.path));
      expect(res.status, res.text).toBe(403);
      expect(res.body.error.details).toMatchObject({ reason: "cross_site" });
      expect(res.body.error.message).toContain(attacker);
    },
  );

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s refuses a request that says only Sec-Fetch-Site: same-site",
    async (_, r) => {
      const res = await forged(r.method, concrete(r.path), { "sec-fetch-site": "same-site" });
      expect(res.status, res.text).toBe(403);
    },
  );

  it("refuses an opaque origin (a sandboxed frame) and a cross-site one", async () => {
    const variants: Record<string, string>[] = [
      { origin: "null" },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      { origin: `${appOrigin}.evil.example` },
    ];
    for (const headers of variants) {
      const res = await forged("POST", "/api/v1/users", headers);
      expect(res.status, `${JSON.stringify(headers)}: ${res.text}`).toBe(403);
    }
  });

  it("creates no admin, starts no run and replaces no pipeline when refused", async () => {
    const before = await get("/api/v1/users");
    const name = uniqueName("csrf-admin");
    const res = await call("POST", "/api/v1/users", {
      token: null,
      raw: JSON.stringify({ username: name, name: "Mallory", password: "password-1234", role: "admin" }),
      contentType: "text/plain;charset=UTF-8",
      headers: { cookie, origin: attacker, "sec-fetch-site": "same-site" },
    });
    expect(res.status).toBe(403);
    const after = await get("/api/v1/users");
    expect(after.body.items.map((u: { username: string }) => u.username)).not.toContain(name);
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  it("lets the app's own pages write with the same cookie", async () => {
    // Proves the refusals above are the origin check, not a cookie that does not work.
    const name = uniqueName("same-origin");
    const res = await call("POST", "/api/v1/users", {
      token: null,
      body: { username: name, name: "Same origin", password: "password-1234", role: "user" },
      headers: { cookie, origin: appOrigin, "sec-fetch-site": "same-origin" },
    });
    expect(res.status, res.text).toBe(201);
  });

  it("lets non-browser clients with a cookie but without Origin or Sec-Fetch-Site write", async () => {
    const res = await call("POST", "/api/v1/users", {
      token: null,
      body: { username: uniqueName("cli"), name: "Scripted", password: "password-1234", role: "user" },
      headers: { cookie },
    });
    expect(res.status, res.text).toBe(201);
  });

  it("leaves token calls alone whatever their Origin", async () => {
    const res = await call("POST", "/api/v1/users", {
      body: { username: uniqueName("token"), name: "Token", password: "password-1234", role: "user" },
      headers: { origin: attacker, "sec-fetch-site": "cross-site" },
    });
    expect(res.status, res.text).toBe(201);
  });
});

describe("request bodies", () => {
  // text/plain, form encodings and a typeless Blob are what a page may send anywhere without a
  // CORS preflight; a JSON API has no use for them.
  const simple = ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html"];

  it.each(simple)("refuses a JSON body sent as %s, even with a token, and writes nothing", async (type) => {
    const name = uniqueName("ctype");
    const res = await call("POST", "/api/v1/users", {
      raw: JSON.stringify({ username: name, name: "x", password: "password-1234", role: "user" }),
      contentType: type,
    });
    expect(res.status, res.text).toBe(415);
    expect(res.body.error.message).toMatch(/application\/json or application\/yaml/);
    const users = await get("/api/v1/users");
    expect(users.body.items.map((u: { username: string }) => u.username)).not.toContain(name);
  });

  it("refuses a body without a Content-Type", async () => {
    const { url, token } = testEnv();
    const res = await fetch(`${url}/api/v1/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: new Blob([JSON.stringify({ username: uniqueName("blob"), name: "x", role: "user" })]),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no Content-Type/);
  });

  it("accepts JSON (also with a +json suffix) and YAML", async () => {
    expect((await call("POST", "/api/v1/users", { body: { username: uniqueName("json"), name: "x", role: "user" } })).status).toBe(201);
    expect(
      (
        await call("POST", "/api/v1/users", {
          body: { username: uniqueName("json"), name: "x", role: "user" },
          contentType: "application/vnd.gantry+json",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call("POST", "/api/v1/users", {
          raw: `username: ${uniqueName("yaml")}\nname: x\nrole: user\n`,
          contentType: "application/yaml",
        })
      ).status,
    ).toBe(201);
  });
});
