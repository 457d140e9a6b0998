/**
 * Masks secret values in log text. Besides the plain value, the forms a script is likely to
 * print by accident are masked too: base64 (alone, inside a longer base64 text, or wrapped at 76
 * columns) and URL-encoded. Lines are masked whole, so a value split across several writes of one
 * line is still caught; a multi-line value is masked line by line; terminal escape sequences
 * (colours, `\e[1m`) inside a value do not hide it.
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
  for (const part of linesOf(secret)) if (part.trim().length >= MIN_FRAGMENT) variants.add(part);
  // `base64` wraps its output at 76 columns: each full line of the encoded value stands alone.
  for (let i = 0; i + 76 < b64.length; i += 76) variants.add(b64.slice(i, i + 76));
  return [...variants].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
}

const linesOf = (secret: string) => (/[\r\n]/.test(secret) ? secret.split(/\r?\n|\r/) : []);

/**
 * A CSI escape sequence (SGR colours and styles like `\e[1m`, `\e[38;5;1m`, cursor moves): a
 * terminal shows nothing for it, so a secret with one inside still reads whole on screen.
 */
const CSI_ONE = "\\u001b\\[[0-?]*[ -/]*[@-~]";
const CSI = `(?:${CSI_ONE})*`;
const STRIP_CSI = new RegExp(CSI_ONE, "g");

export interface Masker {
  (line: string): string;
  /** Length of the longest text that gets masked; 0 when nothing is. */
  readonly maxLength: number;
}

export function createMasker(secrets: readonly string[]): Masker {
  const variants = [...new Set(secrets.flatMap(maskVariants))].sort((a, b) => b.length - a.length);
  // Lines of multi-line values too short to mask anywhere: masked when a log line is only that
  // line (`echo "$KEY"` prints each on its own), or ends with the first / starts with the last.
  const short = secrets.flatMap((s) => {
    const parts = linesOf(s);
    return parts
      .map((p, i) => ({ text: p.trim(), first: i === 0, last: i === parts.length - 1 }))
      .filter((p) => p.text.length > 0 && p.text.length < MIN_FRAGMENT);
  });
  if (variants.length === 0 && short.length === 0) return Object.assign((line: string) => line, { maxLength: 0 });
  const plain = variants.length ? new RegExp(variants.map(escapeRegExp).join("|"), "g") : null;
  // The same variants with any escape sequence allowed between two characters, for lines that have one.
  const escaped = variants.length ? new RegExp(variants.map((v) => Array.from(v, escapeRegExp).join(CSI)).join("|"), "g") : null;
  const maskLine = (line: string) => {
    let out = line;
    if (plain) out = out.replace(plain, MASK);
    if (escaped && out.includes("\u001b[")) out = out.replace(escaped, MASK);
    if (short.length) {
      const bare = out.replace(STRIP_CSI, "").trim();
      for (const p of short) {
        if (bare === p.text) return MASK;
        if (p.first && p.text.length >= 3 && bare.endsWith(p.text))
          out = out.replace(new RegExp(`${Array.from(p.text, escapeRegExp).join(CSI)}${CSI}\\s*$`), MASK);
        if (p.last && p.text.length >= 3 && bare.startsWith(p.text))
          out = out.replace(new RegExp(`^\\s*${CSI}${Array.from(p.text, escapeRegExp).join(CSI)}`), MASK);
      }
    }
    return out;
  };
  return Object.assign(maskLine, { maxLength: variants.length ? variants[0].length : 0 });
}

function escapeRegExp(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
