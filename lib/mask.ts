/**
 * Masks secret values in log text. Besides the plain value, the forms a script is likely to
 * print by accident are masked too: base64 and URL-encoded. Lines are masked whole, so a value
 * split across several writes of one line is still caught.
 */
export const MASK = "***";

export function maskVariants(secret: string): string[] {
  if (secret.length < 3) return []; // masking "a" would shred every line; issue 5 documents the minimum
  const b64 = Buffer.from(secret, "utf8").toString("base64");
  const variants = new Set([secret, encodeURIComponent(secret), b64, b64.replace(/=+$/, "")]);
  return [...variants].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
}

export function createMasker(secrets: readonly string[]): (line: string) => string {
  const variants = [...new Set(secrets.flatMap(maskVariants))].sort((a, b) => b.length - a.length);
  if (variants.length === 0) return (line) => line;
  const re = new RegExp(variants.map(escapeRegExp).join("|"), "g");
  return (line) => line.replace(re, MASK);
}

function escapeRegExp(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
