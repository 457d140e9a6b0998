import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import { PipelineSpecSchema, zodIssuesToFieldErrors, type FieldError, type PipelineSpec } from "./pipeline-spec";

export type ParseResult = { ok: true; spec: PipelineSpec; raw: unknown } | { ok: false; errors: FieldError[]; syntax: boolean };

/**
 * Parses pipeline text (YAML, of which JSON is a subset) and validates its shape. Errors carry
 * the field path and, when the text is YAML, the line the field is on.
 */
export function parseSpecText(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      syntax: true,
      errors: doc.errors.map((e) => ({
        path: "",
        message: `${e.message.split("\n")[0]}`,
        line: e.linePos?.[0]?.line,
      })),
    };
  }
  const raw = doc.toJS({ maxAliasCount: 100 });
  const r = validateSpec(raw);
  if (r.ok) return r;
  return { ok: false, syntax: false, errors: r.errors.map((e) => ({ ...e, line: lineOf(doc, lineCounter, linePath(e)) })) };
}

/** "unknown field 'x'" is about the key itself, so it points at the key's line, not its parent's. */
export function linePath(e: FieldError): string {
  const key = /^unknown fields? '([^']+)'/.exec(e.message)?.[1];
  return key ? (e.path ? `${e.path}.${key}` : key) : e.path;
}

export function validateSpec(raw: unknown): ParseResult {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, syntax: false, errors: [{ path: "", message: "a pipeline spec must be an object with name and stages" }] };
  }
  const r = PipelineSpecSchema.safeParse(raw);
  if (!r.success) return { ok: false, syntax: false, errors: zodIssuesToFieldErrors(r.error.issues) };
  return { ok: true, spec: r.data, raw };
}

/** Line (1-based) of the node at a formatted path, or of its nearest existing parent. */
export function lineOf(doc: Document, lc: LineCounter, path: string): number | undefined {
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  while (true) {
    const node = keys.length ? doc.getIn(keys, true) : doc.contents;
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (!keys.length) return undefined;
    keys.pop();
  }
}
