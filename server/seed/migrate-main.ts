/**
 * The container image's `migrate` command (deploy/image/entrypoint.sh; the Helm chart runs it as a
 * hook Job before each install and upgrade): migrations and seed against DATABASE_URL, then exit.
 * Bundled into `.gantry/build/migrate.mjs` with the operator.
 */
import { config } from "../config";
import { logger } from "../logger";
import { migrateAndSeed } from "./migrate-and-seed";

try {
  const cfg = config();
  const r = await migrateAndSeed(cfg.DATABASE_URL, { adminPassword: cfg.GANTRY_ADMIN_PASSWORD, adminToken: cfg.GANTRY_ADMIN_TOKEN }, (m) =>
    logger.info(m),
  );
  if (r.generatedPassword)
    // The only place the generated password ever appears; GANTRY_ADMIN_PASSWORD avoids it.
    logger.warn({ user: "admin", password: r.generatedPassword }, "created the admin user with this generated password (shown once)");
  logger.info({ adminCreated: r.adminCreated }, "database is migrated and seeded");
} catch (e) {
  logger.error({ err: (e as Error).message }, "migration failed");
  process.exitCode = 1;
}
