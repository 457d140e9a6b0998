import path from "node:path";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { sql } from "drizzle-orm";
import type { Db } from "./client";

export const MIGRATIONS_DIR = path.join(process.cwd(), "server/db/migrations");

export async function applyMigrations(db: Db) {
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
}

/** True when every migration in the folder has been applied (for /api/readyz). */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  const [rows] = (await db.execute(sql`select count(*) as n from __drizzle_migrations`)) as unknown as [{ n: number }[]];
  return Number(rows[0]?.n ?? 0) >= files.length;
}
