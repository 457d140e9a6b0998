import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "mysql2/promise";
import { eq } from "drizzle-orm";
import { createDb, type Db } from "@/server/db/client";
import { users } from "@/server/db/schema";
import { resolveSsoUser, type SsoIdentity } from "@/server/auth/sso";
import { createUser } from "@/server/auth/users";

/** The single sign-on linking rules on the stack's database (the browser flow is e2e/oidc.spec.ts). */

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

const tag = () => randomBytes(4).toString("hex");
const opts = { autoCreate: true, providerName: "Test" };
const ident = (over: Partial<SsoIdentity> = {}): SsoIdentity => ({
  provider: "oidc",
  providerAccountId: `sub-${tag()}`,
  emailVerified: true,
  ...over,
});

describe("single sign-on linking", () => {
  it("matches a local user by verified email, then the link wins even when the email changes", async () => {
    const t = tag();
    const local = await createUser(db, { username: `local-${t}`, name: "Local", email: `m-${t}@example.test`, role: "user" });
    const id = ident({ email: `M-${t}@example.test`, username: "someone-else" });
    const first = await resolveSsoUser(db, id, opts);
    expect(first).toMatchObject({ how: "matched", user: { id: local.id } });
    const again = await resolveSsoUser(db, { ...id, email: `other-${t}@example.test` }, opts);
    expect(again).toMatchObject({ how: "linked", user: { id: local.id } });
  });

  it("does not match on an unverified email: creates a separate user with a unique name", async () => {
    const t = tag();
    const local = await createUser(db, { username: `u-${t}`, name: "Taken", email: `u-${t}@example.test`, role: "user" });
    const r = await resolveSsoUser(
      db,
      ident({ email: `u-${t}@example.test`, emailVerified: false, username: `u-${t}`, name: "New Person" }),
      opts,
    );
    if (!("user" in r)) throw new Error(r.refused);
    expect(r.how).toBe("created");
    expect(r.user.id).not.toBe(local.id);
    expect(r.user.username).toBe(`u-${t}-2`);
    const [row] = await db.select().from(users).where(eq(users.id, r.user.id));
    expect(row).toMatchObject({ name: "New Person", email: null, passwordHash: null, role: "user" });
  });

  it("refuses when auto-creation is off, and refuses disabled users", async () => {
    const t = tag();
    const off = await resolveSsoUser(db, ident({ email: `nobody-${t}@example.test` }), { autoCreate: false, providerName: "Test" });
    expect(off).toEqual({ refused: expect.stringMatching(/No Gantry user matches this Test account \(nobody-.*\)/) });

    const local = await createUser(db, { username: `dis-${t}`, name: "Disabled", email: `dis-${t}@example.test`, role: "user" });
    await db.update(users).set({ disabled: true }).where(eq(users.id, local.id));
    expect(await resolveSsoUser(db, ident({ email: `dis-${t}@example.test` }), opts)).toEqual({
      refused: expect.stringMatching(/disabled/),
    });
  });
});
