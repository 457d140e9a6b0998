import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, get, post, put, testEnv } from "../api-helpers";
import { createTestDatabase, type TestDatabase } from "../executor-helpers";
import { deleteUser, updateUser } from "@/server/auth/user-lifecycle";
import { createUser } from "@/server/auth/users";
import { raw, signIn } from "./auth-helpers";

/**
 * Item 7 of the attack review (issue 16): users could not be disabled or deleted. Disabling and
 * deleting end the user's sessions and tokens at once; deleting keeps their history; the last
 * enabled administrator stays, even under concurrent requests; nobody removes themselves.
 */

const PROXY = { from: "127.0.0.2", forwardedFor: "198.51.100.77" };
const patch = (path: string, body: unknown, opts = {}) => call("PATCH", path, { ...opts, body });
const del = (path: string, opts = {}) => call("DELETE", path, opts);

/** A user with a password, a browser session and a personal API token of their own. */
async function userWithAccess(prefix: string, role: "admin" | "user" = "user") {
  const username = `${prefix}-${randomBytes(3).toString("hex")}`;
  const password = "lifecycle-password-123";
  const created = await post("/api/v1/users", { username, name: prefix, password, role });
  expect(created.status, created.text).toBe(201);
  const s = await signIn(username, password, PROXY);
  expect(s.session, `sign-in of ${username}: ${s.error}`).toBeTruthy();
  const cookie = s.session!;
  const tok = await raw("POST", "/api/v1/tokens", {
    headers: { cookie, "content-type": "application/json", origin: testEnv().url },
    body: JSON.stringify({ name: "lifecycle", scope: "read" }),
  });
  expect(tok.status, tok.text).toBe(201);
  const token = tok.json().token as string;
  return {
    id: created.body.id as string,
    username,
    password,
    bySession: async () => (await raw("GET", "/api/v1/projects", { headers: { cookie } })).status,
    byToken: async () => (await get("/api/v1/projects", { token })).status,
    token,
  };
}

describe("disabling a user", () => {
  it("ends their session and token at the next request, refuses their password, and enabling lets them back", async () => {
    const u = await userWithAccess("disable-me");
    expect([await u.bySession(), await u.byToken()]).toEqual([200, 200]);

    const r = await patch(`/api/v1/users/${u.id}`, { disabled: true });
    expect(r.status, r.text).toBe(200);
    expect(r.body.disabled).toBe(true);
    expect([await u.bySession(), await u.byToken()]).toEqual([401, 401]);
    expect((await get("/api/v1/projects", { token: u.token })).body.error.message).toBe("the token's user is disabled");
    expect((await signIn(u.username, u.password, PROXY)).error).toBe("CredentialsSignin");

    expect((await patch(`/api/v1/users/${u.id}`, { disabled: false })).status).toBe(200);
    expect([await u.bySession(), await u.byToken()]).toEqual([200, 200]);

    const audit = await get(`/api/v1/audit?targetType=user&limit=200`);
    const actions = audit.body.items.filter((e: any) => e.target.id === u.id).map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["user.disable", "user.enable"]));
  });

  it("says what is wrong with a bad change, and is for site administrators only", async () => {
    const u = await userWithAccess("patch-me");
    const empty = await patch(`/api/v1/users/${u.id}`, {});
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toContain("give at least one of name, email, role, disabled");
    const unknown = await patch(`/api/v1/users/${u.id}`, { password: "x" });
    expect(unknown.status).toBe(422);
    expect((await patch(`/api/v1/users/${u.id}`, { role: "root" })).body.error.message).toMatch(/role/);
    expect((await patch(`/api/v1/users/no-such-id`, { disabled: true })).status).toBe(404);
    const asUser = await patch(`/api/v1/users/${u.id}`, { name: "Me" }, { token: u.token });
    expect(asUser.status).toBe(403);
    expect((await del(`/api/v1/users/${u.id}`, { token: u.token })).status).toBe(403);
    expect((await post(`/api/v1/users/${u.id}/unlock`, undefined, { token: u.token })).status).toBe(403);
    for (const [method, path] of [
      ["GET", `/api/v1/users/${u.id}`],
      ["PATCH", `/api/v1/users/${u.id}`],
      ["DELETE", `/api/v1/users/${u.id}`],
      ["POST", `/api/v1/users/${u.id}/unlock`],
    ]) {
      expect(
        (await call(method, path, { token: null, body: method === "PATCH" ? { disabled: true } : undefined })).status,
        `${method} ${path} without credentials`,
      ).toBe(401);
    }
  });
});

describe("deleting a user", () => {
  it("ends their session and token at once, removes memberships, keeps the history naming them, and keeps the name reserved", async () => {
    const u = await userWithAccess("delete-me");
    const project = `del-${randomBytes(3).toString("hex")}`;
    expect((await post("/api/v1/projects", { slug: project, name: project })).status).toBe(201);
    expect((await put(`/api/v1/projects/${project}/members/${u.username}`, { role: "developer" })).status).toBeLessThan(300);

    const r = await del(`/api/v1/users/${u.id}`);
    expect(r.status, r.text).toBe(204);
    expect([await u.bySession(), await u.byToken()]).toEqual([401, 401]);
    expect((await signIn(u.username, u.password, PROXY)).error).toBe("CredentialsSignin");
    expect((await get(`/api/v1/users/${u.id}`)).status).toBe(404);
    expect((await get("/api/v1/users")).body.items.map((x: any) => x.id)).not.toContain(u.id);
    expect((await get(`/api/v1/projects/${project}/members`)).body.items.map((m: any) => m.username)).not.toContain(u.username);
    expect((await del(`/api/v1/users/${u.id}`)).status, "deleting twice is 404").toBe(404);

    const audit = (await get(`/api/v1/audit?limit=200`)).body.items;
    // What they did stays attributed to them by name; their deletion names who did it.
    expect(audit.find((e: any) => e.action === "token.create" && e.actor === u.username)).toBeTruthy();
    const deletion = audit.find((e: any) => e.action === "user.delete" && e.target.id === u.id);
    expect(deletion).toMatchObject({ actor: "admin", target: { name: u.username }, details: { tokens: 1, memberships: 1 } });

    const taken = await post("/api/v1/users", { username: "admin", name: "Impostor" });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe("a user named 'admin' already exists");
    const again = await post("/api/v1/users", { username: u.username, name: "Impostor" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(`the user name '${u.username}' belonged to a deleted user`);
  });

  it("refuses to leave a project without an owner, naming it", async () => {
    const u = await userWithAccess("owner");
    const project = `own-${randomBytes(3).toString("hex")}`;
    expect((await post("/api/v1/projects", { slug: project, name: project })).status).toBe(201);
    expect((await put(`/api/v1/projects/${project}/members/${u.username}`, { role: "owner" })).status).toBeLessThan(300);
    expect((await del(`/api/v1/projects/${project}/members/admin`)).status).toBeLessThan(300);
    const r = await del(`/api/v1/users/${u.id}`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toBe(
      `cannot delete '${u.username}': they are the only owner of '${project}'; make someone else owner first`,
    );
    expect(await u.byToken(), "a refused delete changes nothing").toBe(200);
    expect((await put(`/api/v1/projects/${project}/members/admin`, { role: "owner" })).status).toBeLessThan(300);
    expect((await del(`/api/v1/users/${u.id}`)).status).toBe(204);
    // Nor can the deleted user be added back to a project.
    const readd = await put(`/api/v1/projects/${project}/members/${u.username}`, { role: "viewer" });
    expect(readd.status).toBe(422);
    expect(readd.body.error.message).toBe(`no user named '${u.username}'`);
  });
});

describe("administrators", () => {
  it("cannot disable, demote or delete themselves", async () => {
    const me = (await get("/api/v1/users")).body.items.find((x: any) => x.username === "admin");
    for (const [res, what] of [
      [await patch(`/api/v1/users/${me.id}`, { disabled: true }), "disable"],
      [await patch(`/api/v1/users/${me.id}`, { role: "user" }), "demote"],
      [await del(`/api/v1/users/${me.id}`), "delete"],
    ] as const) {
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe(`you cannot ${what} your own account; another administrator can`);
    }
  });

  describe("the last enabled administrator (on a database of its own, so the shared stack keeps its admins)", () => {
    let t: TestDatabase;
    let adminId: string;
    beforeAll(async () => {
      t = await createTestDatabase("gantry_users");
      adminId = (await t.query<{ id: string }>("select id from users where username = 'admin'"))[0].id;
    });
    afterAll(async () => t?.close());
    const actor = (id: string, username: string) => ({ id, username, address: null });

    it("cannot be disabled, demoted or deleted, with a message that says why", async () => {
      const other = await createUser(t.db, { username: "helper", name: "Helper", role: "admin" });
      await updateUser(t.db, actor(adminId, "admin"), other.id, { disabled: true });
      // `helper` is disabled: admin is the last enabled administrator; helper (still signed in somewhere) tries.
      const asHelper = actor(other.id, "helper");
      for (const [fn, what] of [
        [() => updateUser(t.db, asHelper, adminId, { disabled: true }), "disable"],
        [() => updateUser(t.db, asHelper, adminId, { role: "user" }), "demote"],
        [() => deleteUser(t.db, asHelper, adminId), "delete"],
      ] as const) {
        await expect(fn()).rejects.toMatchObject({
          code: "conflict",
          message: `cannot ${what} 'admin': it is the last enabled administrator; make another user an administrator first`,
        });
      }
      await t.query("update users set role = 'user', disabled = 0 where id = ?", [other.id]);
    });

    it("survives two administrators removing each other at the same moment", async () => {
      for (const op of ["disable", "demote", "delete"] as const) {
        const a = await createUser(t.db, { username: `a-${op}`, name: "A", role: "admin" });
        const b = await createUser(t.db, { username: `b-${op}`, name: "B", role: "admin" });
        // Only a and b (and admin) are admins: take admin out first, with another admin acting.
        await updateUser(t.db, actor(a.id, a.username), adminId, { role: "user" });
        const remove = (by: typeof a, target: typeof a) =>
          op === "delete"
            ? deleteUser(t.db, actor(by.id, by.username), target.id)
            : updateUser(t.db, actor(by.id, by.username), target.id, op === "disable" ? { disabled: true } : { role: "user" });
        const results = await Promise.allSettled([remove(a, b), remove(b, a)]);
        const refused = results.filter((r) => r.status === "rejected");
        expect(
          results.filter((r) => r.status === "fulfilled"),
          `${op}: exactly one of the two may succeed`,
        ).toHaveLength(1);
        expect((refused[0] as PromiseRejectedResult).reason.message).toMatch(/last enabled administrator/);
        const left = await t.query<{ n: number }>(
          "select count(*) as n from users where role = 'admin' and disabled = 0 and deleted_at is null",
        );
        expect(Number(left[0].n)).toBe(1);
        // Back to one administrator, admin, for the next round.
        await t.query("update users set role = 'user', disabled = 1 where id in (?, ?)", [a.id, b.id]);
        await t.query("update users set role = 'admin', disabled = 0 where id = ?", [adminId]);
      }
    });
  });
});
