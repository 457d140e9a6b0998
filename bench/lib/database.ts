/**
 * A fresh, migrated and seeded Gantry database for a benchmark: on the MariaDB server at
 * GANTRY_TEST_DB_ADMIN_URL, else on a private one started under .gantry/<name>-db. Whatever it
 * starts or creates is handed to `onCleanUp`, to be undone in reverse order at the end.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import mysql from "mysql2/promise";
import { createDb } from "@/server/db/client";
import { startMariaDb } from "../../scripts/lib/mariadb";
import { freePort, step } from "../../scripts/lib/proc";
import { migrateAndSeed, ROOT } from "../../scripts/lib/stack";

export async function benchDatabase(name: string, onCleanUp: (fn: () => Promise<unknown>) => void) {
  let adminUrl = process.env.GANTRY_TEST_DB_ADMIN_URL;
  if (!adminUrl) {
    step("starting a private MariaDB server…");
    const m = await startMariaDb(path.join(ROOT, `.gantry/${name}-db`), await freePort());
    onCleanUp(() => m.stop());
    adminUrl = m.adminUrl;
  }
  adminUrl = adminUrl.endsWith("/") ? adminUrl : `${adminUrl}/`;
  const dbName = `gantry_${name.replace(/-/g, "_")}_${randomBytes(3).toString("hex")}`;
  const admin = await mysql.createConnection(adminUrl);
  await admin.query(`CREATE DATABASE \`${dbName}\``);
  await admin.end();
  onCleanUp(async () => {
    const c = await mysql.createConnection(adminUrl);
    await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await c.end();
  });
  const url = adminUrl + dbName;
  await migrateAndSeed(url, { adminPassword: `${name}-admin-password` });
  const { db, pool } = createDb(url);
  onCleanUp(() => pool.end());
  return { url, db };
}
