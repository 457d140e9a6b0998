/**
 * Masks secret values in log text. Besides the plain value, the forms a script is likely to
 * print by accident are masked too: base64 (alone or inside a longer base64 text) and URL-encoded. Lines are masked whole, so a value
 * split across several writes of one line is still caught.
 */
export const MASK = "***";

/** Secrets at least this many bytes long are also masked inside longer base64 texts. */
const MIN_EMBEDDED = 6;

/** Lines of a multi-line secret (a PEM key) are masked on their own when at least this long. */
const MIN_FRAGMENT = 8;

export function maskVariants(secret: string): string[] {
  if (secret.length < 3) return []; // masking "a" would shred every line; issue 5 documents the minimum
  const b64 = Buffer.from(secret, "utf8").toString("base64");
  const variants = new Set([secret, encodeURIComponent(secret), b64, b64.replace(/=+$/, "")]);
  // Inside a longer base64 text (`user:token` in a Docker auth, a whole file encoded) the value
  // starts at any byte offset mod 3: mask the characters that only its bytes decide.
  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length >= MIN_EMBEDDED) {
    for (const k of [0, 1, 2]) {
      const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
      variants.add(enc.slice(Math.ceil((k * 8) / 6), Math.floor(((k + bytes.length) * 8) / 6)));
    }
  }
  // Logs are masked line by line, so a multi-line value never matches whole: mask its lines.
  if (/[\r\n]/.test(secret)) {
    for (const part of secret.split(/\r?\n|\r/)) if (part.trim().length >= MIN_FRAGMENT) variants.add(part);
  }
  return [...variants].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
}

export interface Masker {
  (line: string): string;
  /** Length of the longest text that gets masked; 0 when nothing is. */
  readonly maxLength: number;
}

export function createMasker(secrets: readonly string[]): Masker {
  const variants = [...new Set(secrets.flatMap(maskVariants))].sort((a, b) => b.length - a.length);
  if (variants.length === 0) return Object.assign((line: string) => line, { maxLength: 0 });
  const re = new RegExp(variants.map(escapeRegExp).join("|"), "g");
  return Object.assign((line: string) => line.replace(re, MASK), { maxLength: variants[0].length });
}

function escapeRegExp(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
