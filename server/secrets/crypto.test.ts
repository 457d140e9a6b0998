import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptError, SecretKeyError, decrypt, encrypt, isSealed, loadKeyring, parseKey, seal, sealedKeyId, unseal } from "./crypto";

const k1 = randomBytes(32).toString("base64");
const k2 = randomBytes(32).toString("hex");
const ring1 = loadKeyring({ GANTRY_SECRET_KEY: k1 });

describe("secret encryption", () => {
  it("round-trips values, with a fresh IV each time", () => {
    for (const v of ["", "s3cret", "ünïcødé ✓", "x".repeat(64 * 1024), "-----BEGIN KEY-----\nabc\n-----END KEY-----\n"]) {
      const a = encrypt(v, "secret:p:X", ring1);
      const b = encrypt(v, "secret:p:X", ring1);
      expect(a.ciphertext).not.toBe(b.ciphertext);
      expect(a.keyId).toBe(ring1.current.id);
      if (v.length >= 6) expect(Buffer.from(a.ciphertext, "base64").toString("utf8")).not.toContain(v);
      expect(decrypt(a.ciphertext, a.keyId, "secret:p:X", ring1)).toBe(v);
    }
  });

  it("detects tampering with any byte", () => {
    const { ciphertext, keyId } = encrypt("attack at dawn", "", ring1);
    const raw = Buffer.from(ciphertext, "base64");
    for (const i of [0, 11, 12, 27, 28, raw.length - 1]) {
      const t = Buffer.from(raw);
      t[i] ^= 1;
      expect(() => decrypt(t.toString("base64"), keyId, "", ring1)).toThrow(DecryptError);
    }
    expect(() => decrypt(raw.subarray(0, 20).toString("base64"), keyId, "", ring1)).toThrow(/too short/);
  });

  it("refuses a value moved to another row (bound by aad)", () => {
    const { ciphertext, keyId } = encrypt("v", "secret:p1:A", ring1);
    expect(() => decrypt(ciphertext, keyId, "secret:p1:B", ring1)).toThrow(DecryptError);
  });

  it("refuses the wrong key, naming the key ids", () => {
    const { ciphertext, keyId } = encrypt("v", "", ring1);
    const other = loadKeyring({ GANTRY_SECRET_KEY: k2 });
    expect(() => decrypt(ciphertext, keyId, "", other)).toThrow(new RegExp(`key ${keyId}.*neither GANTRY_SECRET_KEY`));
    // Same id claimed, different key: the tag does not check.
    expect(() => decrypt(ciphertext, other.current.id, "", other)).toThrow(/does not authenticate/);
  });

  it("decrypts with previous keys after rotation, and seals with the current one", () => {
    const sealed = seal("old value", "run:r:P", ring1);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe(ring1.current.id);
    const rotated = loadKeyring({ GANTRY_SECRET_KEY: k2, GANTRY_SECRET_KEYS_PREVIOUS: ` ${k1} ,` });
    expect(rotated.current.id).not.toBe(ring1.current.id);
    expect(unseal(sealed, "run:r:P", rotated)).toBe("old value");
    expect(sealedKeyId(seal("new", "", rotated))).toBe(rotated.current.id);
    expect(() => unseal(sealed, "run:r:P", loadKeyring({ GANTRY_SECRET_KEY: k2 }))).toThrow(DecryptError);
  });

  it("accepts 32-byte keys as hex or base64 only, naming the variable otherwise", () => {
    expect(parseKey(k2.toUpperCase(), "X").key.toString("hex")).toBe(k2);
    expect(parseKey(k1, "X").key.toString("base64")).toBe(k1);
    expect(parseKey(Buffer.from(k1, "base64").toString("base64url"), "X").id).toBe(parseKey(k1, "X").id);
    for (const bad of [
      "short",
      "a".repeat(63),
      randomBytes(16).toString("base64"),
      randomBytes(48).toString("base64"),
      "correct horse battery staple correct horse!",
    ]) {
      expect(() => loadKeyring({ GANTRY_SECRET_KEY: bad })).toThrow(SecretKeyError);
      expect(() => loadKeyring({ GANTRY_SECRET_KEY: bad })).toThrow(/GANTRY_SECRET_KEY must be a 32-byte key/);
    }
    expect(() => loadKeyring({})).toThrow(/GANTRY_SECRET_KEY is not set/);
    expect(() => loadKeyring({ GANTRY_SECRET_KEY: k1, GANTRY_SECRET_KEYS_PREVIOUS: `${k2},nope` })).toThrow(
      /GANTRY_SECRET_KEYS_PREVIOUS \(entry 2\)/,
    );
  });
});
