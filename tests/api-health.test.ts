import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Socket } from "node:net";
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

  it("is not ready, with the reason, when the database server refuses connections", async () => {
    const { db, pool } = createDb("mysql://root@127.0.0.1:1/nothing");
    try {
      const r = await readiness(db);
      expect(r.ready).toBe(false);
      expect(r.reason).toMatch(/^database unreachable: .*ECONNREFUSED/);
    } finally {
      await pool.end();
    }
  });

  // The probe's own deadline bounds it, not the driver's connect timeout: a server that accepts
  // and then says nothing gets the deadline's reason.
  it("gives up at its deadline, with the reason, when the server accepts connections but never answers", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { db, pool } = createDb(`mysql://root@127.0.0.1:${(silent.address() as AddressInfo).port}/nothing`);
    try {
      expect(await readiness(db, 50)).toEqual({ ready: false, reason: "database unreachable: no answer within 50 ms" });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await pool.end().catch(() => undefined);
    }
  });
});
