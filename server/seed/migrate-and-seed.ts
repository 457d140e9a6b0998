import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { seed, type SeedResult } from "./seed";

/**
 * The schema migrations, then the idempotent seed (built-in templates, the admin user and token,
 * the demo pipeline), on one pool that is closed afterwards: what `npm start` does before it
 * starts the app, and what the container image's `migrate` command does.
 */
export async function migrateAndSeed(
  url: string,
  opts: { adminPassword?: string; adminToken?: string },
  onStep: (what: string) => void = () => {},
): Promise<SeedResult> {
  const { db, pool } = createDb(url);
  try {
    onStep("applying database migrations…");
    await applyMigrations(db);
    onStep("seeding templates, the admin user and the demo pipeline…");
    return await seed(db, opts);
  } finally {
    await pool.end();
  }
}
