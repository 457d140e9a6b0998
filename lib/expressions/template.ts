/**
 * `{{ … }}` references in pipeline text (task params and env, timeouts, the repository's
 * revision, a template's command, args and env). A reference is a dotted path (`params.TAG`,
 * `tasks.build.results.digest`); `{{ "text" }}` is a literal, which is how `{{` itself is
 * written (`{{ "{{" }}`). Values are substituted as data into one argv element or env value at
 * a time, never re-parsed, so a value can never become shell syntax or more arguments.
 */

export type TemplatePart = { kind: "text"; text: string } | { kind: "ref"; path: string[]; raw: string; offset: number };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] };

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const LITERAL = /^"((?:[^"\\]|\\.)*)"$/;

/**
 * Splits text into literal text and references. What is between `{{` and `}}` but is neither a
 * dotted path nor a string literal (a Go template's `{{ .Id }}` in a script) stays text, as
 * does a `{{` that is never closed: only what looks like a reference is read as one.
 */
export function parseTemplate(s: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf("{{", i);
    const close = open < 0 ? -1 : s.indexOf("}}", open + 2);
    if (open < 0 || close < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, open);
    const inner = s.slice(open + 2, close).trim();
    const literal = LITERAL.exec(inner);
    const path = inner.split(".");
    if (literal) text += literal[1].replace(/\\(.)/g, "$1");
    else if (inner && path.every((p) => SEGMENT.test(p))) {
      if (text) parts.push({ kind: "text", text });
      text = "";
      parts.push({ kind: "ref", path, raw: inner, offset: open });
    } else text += s.slice(open, close + 2);
    i = close + 2;
  }
  if (text) parts.push({ kind: "text", text });
  return { ok: true, parts };
}

/** Whether the text has any `{{` at all (most strings do not: they are returned as they are). */
export const mayHaveRefs = (s: string) => s.includes("{{");

/** The references of a text, or none when it cannot be parsed (parse errors are reported elsewhere). */
export function refsOf(s: string): Extract<TemplatePart, { kind: "ref" }>[] {
  if (!mayHaveRefs(s)) return [];
  return parseTemplate(s).parts.filter((x) => x.kind === "ref");
}

/**
 * Fills in references for which `lookup` has a value; the others are written back as they were
 * (to be resolved later, when the task starts). Literals and escapes are kept escaped until the
 * last pass (`final`), so a value that contains `{{` is never read as a reference afterwards.
 */
export function render(s: string, lookup: (path: string[]) => Value | undefined, final: boolean): string {
  if (!mayHaveRefs(s)) return s;
  let out = "";
  for (const part of parseTemplate(s).parts) {
    if (part.kind === "text") out += final ? part.text : escapeText(part.text);
    else {
      const v = lookup(part.path);
      if (typeof v === "object") out += final ? render(v.escaped, lookup, true) : v.escaped;
      else if (v !== undefined) out += final ? v : escapeText(v);
      else if (final) throw new UnresolvedReference(part.raw);
      else out += `{{ ${part.raw} }}`;
    }
  }
  return out;
}

/** A value: plain text, or text already in template form (a task param that still holds references). */
export type Value = string | { escaped: string };

/** Text as it must be written so `parseTemplate` gives it back unchanged. */
export function escapeText(s: string): string {
  return s.includes("{{") ? s.replaceAll("{{", '{{ "{{" }}') : s;
}

export class UnresolvedReference extends Error {
  constructor(readonly ref: string) {
    super(`'{{ ${ref} }}' has no value`);
  }
}
