/**
 * `npm run secrets:rotate`: re-encrypts every project secret and secret run param under the
 * current GANTRY_SECRET_KEY. Rotation (docs/operations.md): set the new key as GANTRY_SECRET_KEY
 * and the old one in GANTRY_SECRET_KEYS_PREVIOUS on the web app and the operator, restart them,
 * run this, then drop the old key. Idempotent: a second run changes nothing.
 *
 * Without DATABASE_URL / GANTRY_SECRET_KEY it uses what `npm start` uses (.gantry/).
 */
import path from "node:path";
import { privateServerUrl } from "./lib/mariadb";
import { ROOT, secretKey } from "./lib/stack";

process.env.GANTRY_SECRET_KEY ||= secretKey();
process.env.DATABASE_URL ||= privateServerUrl(path.join(ROOT, ".gantry/db"), process.env.GANTRY_DB_PORT ?? 3307) + "gantry";

const { createDb } = await import("../server/db/client");
const { loadKeyring } = await import("../server/secrets/crypto");
const { rotateSecrets } = await import("../server/secrets/rotate");

const { db, pool } = createDb(process.env.DATABASE_URL);
try {
  const kr = loadKeyring();
  console.log(
    `re-encrypting under key ${kr.current.id} (also accepted for decryption: ${[...kr.byId.keys()].filter((k) => k !== kr.current.id).join(", ") || "none"})…`,
  );
  const r = await rotateSecrets(db, kr);
  console.log(
    `done: ${r.secrets} secret(s) and ${r.runs} run(s) re-encrypted${r.sealedLegacy ? `, ${r.sealedLegacy} param value(s) that were in clear now sealed` : ""}.`,
  );
  console.log("Once this reports nothing left on a second run, the previous keys can be removed.");
} catch (e) {
  console.error(`rotation stopped: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
