import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "mysql2/promise";
import { createDb, type Db } from "@/server/db/client";
import { createToken } from "@/server/auth/tokens";
import { call, get, post, uniqueName } from "./api-helpers";

/** Personal API tokens over REST: shown once, listed without secrets, scope-bounded, expiring, revocable, audited. */

let db: Db;
let pool: Pool;

beforeAll(() => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must name the running stack's database; `npm test` sets it");
  ({ db, pool } = createDb(url));
});
afterAll(async () => {
  await pool?.end();
});

const del = (path: string, token?: string) => call("DELETE", path, token === undefined ? {} : { token });

describe("personal API tokens", () => {
  it("creates a token shown once, lists it without the secret, and the token works", async () => {
    const name = uniqueName("ci");
    const r = await post("/api/v1/tokens", { name, scope: "run" });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^gtr_/);
    expect(r.body).toMatchObject({ name, scope: "run", owner: "admin", expiresAt: null, lastUsedAt: null, expired: false });

    const mine = await get("/api/v1/tokens", { token: r.body.token });
    expect(mine.status).toBe(200);
    const listed = mine.body.items.find((t: { id: string }) => t.id === r.body.id);
    expect(listed).toMatchObject({ name, scope: "run" });
    expect(listed.token).toBeUndefined();
    expect(mine.text).not.toContain(r.body.token);

    const audit = await get(`/api/v1/audit?action=token.create&actor=admin`);
    expect(audit.body.items.some((e: { target: { id: string } }) => e.target.id === r.body.id)).toBe(true);
  });

  it("never lets a token mint a wider one, and only admin tokens mint at all", async () => {
    const read = (await post("/api/v1/tokens", { name: uniqueName("r"), scope: "read" })).body.token;
    const run = (await post("/api/v1/tokens", { name: uniqueName("x"), scope: "run" })).body.token;
    for (const [tok, scope] of [
      [read, "read"],
      [run, "read"],
      [run, "run"],
      [run, "admin"],
    ]) {
      const r = await post("/api/v1/tokens", { name: uniqueName("no"), scope }, { token: tok });
      expect(r.status).toBe(403);
      expect(r.body.error.message).toMatch(/needs 'admin'/);
    }
    const admin = (await post("/api/v1/tokens", { name: uniqueName("a"), scope: "admin" })).body.token;
    expect((await post("/api/v1/tokens", { name: uniqueName("ok"), scope: "read" }, { token: admin })).status).toBe(201);
  });

  it("validates the body: scope, name and an expiry in the future", async () => {
    expect((await post("/api/v1/tokens", { name: "x", scope: "root" })).status).toBe(422);
    expect((await post("/api/v1/tokens", { name: "", scope: "read" })).status).toBe(422);
    const past = await post("/api/v1/tokens", { name: "x", scope: "read", expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.status).toBe(422);
    expect(past.body.error.message).toMatch(/future/);
  });

  it("refuses an expired token with 401 saying it expired", async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const r = await post("/api/v1/tokens", { name: uniqueName("short"), scope: "read", expiresAt });
    expect(r.status).toBe(201);
    expect((await get("/api/v1/pipelines", { token: r.body.token })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 2000));
    const after = await get("/api/v1/pipelines", { token: r.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/expired at/);
    const listed = (await get("/api/v1/tokens")).body.items.find((t: { id: string }) => t.id === r.body.id);
    expect(listed.expired).toBe(true);
  });

  it("revokes: the token stops working at once and disappears from the list", async () => {
    const r = await post("/api/v1/tokens", { name: uniqueName("gone"), scope: "read" });
    expect((await get("/api/v1/tokens", { token: r.body.token })).status).toBe(200);
    expect((await del(`/api/v1/tokens/${r.body.id}`)).status).toBe(204);
    const after = await get("/api/v1/pipelines", { token: r.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
    expect((await get("/api/v1/tokens")).body.items.some((t: { id: string }) => t.id === r.body.id)).toBe(false);
    expect((await del(`/api/v1/tokens/${r.body.id}`)).status).toBe(404);
    const audit = await get(`/api/v1/audit?action=token.revoke`);
    expect(audit.body.items.some((e: { target: { id: string } }) => e.target.id === r.body.id)).toBe(true);
  });

  it("keeps users to their own tokens; a site admin may revoke anyone's", async () => {
    const username = uniqueName("tok");
    const u = await post("/api/v1/users", { username, name: "Token Tester", password: "a-long-enough-password" });
    expect(u.status).toBe(201);
    const theirs = await createToken(db, u.body.id, "theirs", "admin");
    const mine = await post("/api/v1/tokens", { name: uniqueName("mine"), scope: "read" });

    // They see only their own, and cannot touch the admin's (it looks missing).
    const list = await get("/api/v1/tokens", { token: theirs });
    expect(list.body.items.map((t: { owner: string }) => t.owner)).toEqual([username]);
    expect((await del(`/api/v1/tokens/${mine.body.id}`, theirs)).status).toBe(404);

    const theirId = list.body.items[0].id;
    expect((await del(`/api/v1/tokens/${theirId}`)).status).toBe(204);
    expect((await get("/api/v1/tokens", { token: theirs })).status).toBe(401);
  });
});
