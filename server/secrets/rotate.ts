import { and, eq, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { affectedRows } from "../db/result";
import { runs, secrets } from "../db/schema";
import { decrypt, encrypt, isSealed, keyring, seal, sealedKeyId, unseal, type Keyring } from "./crypto";
import { runParamAad } from "./run-secrets";
import { secretAad } from "./secrets";

export interface RotationResult {
  secrets: number;
  runs: number;
  /** Secret run params that were still in clear (runs made before sealing) and are now sealed. */
  sealedLegacy: number;
}

const BATCH = 200;

/**
 * Re-encrypts everything not yet under the current key: project secrets and the secret params
 * of runs (sealing any still in clear). Safe to re-run and to run while Gantry serves: each row
 * is rewritten only if it still holds what was read, and a second run finds nothing to do.
 * Throws (changing nothing more) on a value no configured key opens.
 */
export async function rotateSecrets(db: DbOrTx, kr: Keyring = keyring()): Promise<RotationResult> {
  const out: RotationResult = { secrets: 0, runs: 0, sealedLegacy: 0 };
  const cur = kr.current.id;

  for (let after = ""; ;) {
    const rows = await db
      .select({ id: secrets.id, projectId: secrets.projectId, name: secrets.name, ciphertext: secrets.ciphertext, keyId: secrets.keyId })
      .from(secrets)
      .where(and(ne(secrets.keyId, cur), sql`${secrets.id} > ${after}`))
      .orderBy(secrets.id)
      .limit(BATCH);
    if (rows.length === 0) break;
    for (const r of rows) {
      const aad = secretAad(r.projectId, r.name);
      const next = encrypt(decrypt(r.ciphertext, r.keyId, aad, kr), aad, kr);
      const [res] = await db
        .update(secrets)
        .set({ ciphertext: next.ciphertext, keyId: next.keyId })
        .where(and(eq(secrets.id, r.id), eq(secrets.ciphertext, r.ciphertext)));
      if (affectedRows(res)) out.secrets++;
    }
    after = rows[rows.length - 1].id;
  }

  // Runs with secret params: JSON_LENGTH skips the many runs without any.
  for (let after = ""; ;) {
    const rows = await db
      .select({ id: runs.id, params: runs.params, secretNames: runs.secretNames })
      .from(runs)
      .where(and(sql`json_length(${runs.secretNames}) > 0`, sql`${runs.id} > ${after}`))
      .orderBy(runs.id)
      .limit(BATCH);
    if (rows.length === 0) break;
    for (const r of rows) {
      let changed = false;
      const params = { ...r.params };
      for (const name of r.secretNames) {
        const v = params[name];
        if (!v) continue;
        if (isSealed(v)) {
          if (sealedKeyId(v) === cur) continue;
          params[name] = seal(unseal(v, runParamAad(name), kr), runParamAad(name), kr);
        } else {
          params[name] = seal(v, runParamAad(name), kr);
          out.sealedLegacy++;
        }
        changed = true;
      }
      if (!changed) continue;
      const [res] = await db
        .update(runs)
        .set({ params })
        .where(and(eq(runs.id, r.id), sql`${runs.params} = ${JSON.stringify(r.params)}`));
      if (affectedRows(res)) out.runs++;
    }
    after = rows[rows.length - 1].id;
  }
  return out;
}
