/**
 * Masks secret values in log text. Besides the plain value, the forms a script is likely to
 * print by accident are masked too: base64 and URL-encoded. Lines are masked whole, so a value
 * split across several writes of one line is still caught.
 */
export const MASK = "***";

/** Lines of a multi-line secret (a PEM key) are masked on their own when at least this long. */
const MIN_FRAGMENT = 8;

export function maskVariants(secret: string): string[] {
  if (secret.length < 3) return []; // masking "a" would shred every line; issue 5 documents the minimum
  const b64 = Buffer.from(secret, "utf8").toString("base64");
  const variants = new Set([secret, encodeURIComponent(secret), b64, b64.replace(/=+$/, "")]);
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
