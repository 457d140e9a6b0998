import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import mysql from "mysql2/promise";
import { createDb } from "@/server/db/client";
import { applyMigrations } from "@/server/db/migrate";
import { readiness } from "@/server/http/health";

/**
 * What /api/readyz reports, against real MariaDB databases: one that is migrated, one that is
 * not, and a server that does not answer. (The probe over HTTP is in api.test.ts.)
 */

const adminUrl = () => {
  const u = process.env.GANTRY_TEST_DB_ADMIN_URL;
  if (!u) throw new Error("GANTRY_TEST_DB_ADMIN_URL must name a MariaDB server to create test databases on; `npm test` sets it");
  return u.endsWith("/") ? u : `${u}/`;
};

const created: string[] = [];
async function freshDatabase(): Promise<string> {
  const name = `gantry_ready_${randomBytes(4).toString("hex")}`;
  const c = await mysql.createConnection(adminUrl());
  await c.query(`CREATE DATABASE \`${name}\``);
  await c.end();
  created.push(name);
  return adminUrl() + name;
}

afterAll(async () => {
  if (!created.length) return;
  const c = await mysql.createConnection(adminUrl());
  for (const n of created) await c.query(`DROP DATABASE IF EXISTS \`${n}\``);
  await c.end();
});

describe("readiness", () => {
  it("is not ready on a database without migrations, and ready once they are applied", async () => {
    const { db, pool } = createDb(await freshDatabase());
    try {
      expect(await readiness(db)).toEqual({ ready: false, reason: "database migrations are not applied" });
      await applyMigrations(db);
      expect(await readiness(db)).toEqual({ ready: true });
    } finally {
      await pool.end();
    }
  });

  it("is not ready, quickly and with the reason, when the database server does not answer", async () => {
    const { db, pool } = createDb("mysql://root@127.0.0.1:1/nothing");
    try {
      const t0 = Date.now();
      const r = await readiness(db);
      expect(r.ready).toBe(false);
      expect(r.reason).toMatch(/^database unreachable: .*ECONNREFUSED/);
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      await pool.end();
    }
  });
});
