import { createHmac, timingSafeEqual } from "node:crypto";
import type { Keyring } from "../secrets/crypto";

/**
 * Upload tokens: what a task run presents to `PUT /api/v1/runs/{id}/artifacts/…` instead of the
 * store's credentials. The operator issues one into each task's environment
 * (`GANTRY_ARTIFACT_TOKEN`); it names the task run and an expiry and is signed with an HMAC key
 * derived from `GANTRY_SECRET_KEY`, which the web app shares, so nothing is stored. The web app
 * also checks that the task run is still running and belongs to the run in the URL.
 */

const VERSION = "gat1";

/** A key of its own for this use, so that a token signature is never an HMAC of anything else under the secret key. */
const tokenKey = (key: Buffer) => createHmac("sha256", key).update("gantry-artifact-upload-token").digest();

const sign = (key: Buffer, payload: string) => createHmac("sha256", tokenKey(key)).update(payload).digest("base64url");

export interface UploadGrant {
  taskRunId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export function issueUploadToken(kr: Keyring, grant: UploadGrant): string {
  const payload = `${VERSION}.${grant.taskRunId}.${grant.expiresAt}`;
  return `${payload}.${sign(kr.current.key, payload)}`;
}

/** The grant a token carries when its signature holds (under the current or a previous key) and it has not expired; else null. */
export function verifyUploadToken(kr: Keyring, token: string, nowSeconds: number): UploadGrant | null {
  const m = /^gat1\.([A-Za-z0-9-]{1,36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const payload = `${VERSION}.${m[1]}.${m[2]}`;
  const given = Buffer.from(m[3], "base64url");
  const valid = [...kr.byId.values()].some((k) => {
    const want = Buffer.from(sign(k.key, payload), "base64url");
    return want.length === given.length && timingSafeEqual(want, given);
  });
  if (!valid) return null;
  const expiresAt = Number(m[2]);
  return expiresAt > nowSeconds ? { taskRunId: m[1], expiresAt } : null;
}
