import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { AppError } from "@/lib/errors";

/**
 * Encryption at rest for project secrets and secret run params: AES-256-GCM, a fresh random
 * 96-bit IV per value, the 128-bit auth tag checked on every decryption. The key comes from
 * `GANTRY_SECRET_KEY` (32 bytes, base64 or hex); keys being rotated out are listed in
 * `GANTRY_SECRET_KEYS_PREVIOUS` and are only ever used to decrypt. Every value records the id of
 * the key it was sealed with (a short hash of the key, never the key), so rotation
 * (scripts/secrets-rotate.ts) knows what is left to re-encrypt.
 *
 * Values can be bound to where they live (`aad`, e.g. `secret:<project>:<name>`): a ciphertext
 * copied into another row does not decrypt.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Prefix of a sealed value kept inside a JSON column (secret run params). */
export const SEALED_PREFIX = "gantry:enc:v1:";

/**
 * The key is missing or malformed: a server configuration problem, answered as 503 with this
 * message by the REST API and server actions, and failing (not retrying) a task in the operator.
 */
export class SecretKeyError extends AppError {
  constructor(message: string) {
    super("unavailable", message);
    this.name = "SecretKeyError";
  }
}

/** A value could not be decrypted: unknown key, wrong key, or tampered with. */
export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptError";
  }
}

export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** What new values are sealed with. */
  current: SecretKey;
  /** Current and previous keys by id, for decryption. */
  byId: Map<string, SecretKey>;
}

/** Short, stable, non-reversible id of a key: the first 12 hex digits of SHA-256 over it. */
export const keyIdOf = (key: Buffer) => createHash("sha256").update("gantry-secret-key\0").update(key).digest("hex").slice(0, 12);

/** 32 bytes as 64 hex digits or base64 (standard or URL-safe, padding optional); anything else throws. */
export function parseKey(text: string, variable: string): SecretKey {
  const s = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) key = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (!key || key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${variable} must be a 32-byte key, as 64 hex digits or 44 base64 characters (generate one with \`openssl rand -base64 32\`); got ${s.length} characters that are neither`,
    );
  }
  return { id: keyIdOf(key), key };
}

export function loadKeyring(env: Record<string, string | undefined> = process.env): Keyring {
  const cur = env.GANTRY_SECRET_KEY;
  if (!cur || !cur.trim()) {
    throw new SecretKeyError(
      "GANTRY_SECRET_KEY is not set: project secrets need a 32-byte key (base64 or hex; `openssl rand -base64 32`). `npm start` creates one in .gantry/secret-key; in production set it on both the web app and the operator",
    );
  }
  const current = parseKey(cur, "GANTRY_SECRET_KEY");
  const byId = new Map([[current.id, current]]);
  (env.GANTRY_SECRET_KEYS_PREVIOUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((s, i) => {
      const k = parseKey(s, `GANTRY_SECRET_KEYS_PREVIOUS (entry ${i + 1})`);
      if (!byId.has(k.id)) byId.set(k.id, k);
    });
  return { current, byId };
}

let cached: Keyring | undefined;
/** The process's keyring, from the environment, read once. */
export function keyring(): Keyring {
  cached ??= loadKeyring();
  return cached;
}

/** Encrypts under the current key: base64 of iv ‖ tag ‖ ciphertext, and the key's id. */
export function encrypt(plain: string, aad = "", kr: Keyring = keyring()): { ciphertext: string; keyId: string } {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv("aes-256-gcm", kr.current.key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return { ciphertext: Buffer.concat([iv, c.getAuthTag(), data]).toString("base64"), keyId: kr.current.id };
}

export function decrypt(ciphertext: string, keyId: string, aad = "", kr: Keyring = keyring()): string {
  const k = kr.byId.get(keyId);
  if (!k) {
    throw new DecryptError(
      `value was encrypted with key ${keyId}, which is neither GANTRY_SECRET_KEY (${kr.current.id}) nor in GANTRY_SECRET_KEYS_PREVIOUS`,
    );
  }
  const raw = Buffer.from(ciphertext, "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new DecryptError("ciphertext is too short");
  const d = createDecipheriv("aes-256-gcm", k.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  d.setAAD(Buffer.from(aad, "utf8"));
  d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString("utf8");
  } catch {
    throw new DecryptError(`value does not authenticate under key ${keyId}: it was altered, or the key is not the one it was sealed with`);
  }
}

/** One string holding key id and ciphertext, for values inside JSON columns. */
export function seal(plain: string, aad = "", kr: Keyring = keyring()): string {
  const { ciphertext, keyId } = encrypt(plain, aad, kr);
  return `${SEALED_PREFIX}${keyId}:${ciphertext}`;
}

export const isSealed = (v: unknown): v is string => typeof v === "string" && v.startsWith(SEALED_PREFIX);

export function sealedKeyId(sealed: string): string {
  return sealed.slice(SEALED_PREFIX.length).split(":", 1)[0];
}

export function unseal(sealed: string, aad = "", kr: Keyring = keyring()): string {
  if (!isSealed(sealed)) throw new DecryptError("not a sealed value");
  const rest = sealed.slice(SEALED_PREFIX.length);
  const i = rest.indexOf(":");
  return decrypt(rest.slice(i + 1), rest.slice(0, i), aad, kr);
}
