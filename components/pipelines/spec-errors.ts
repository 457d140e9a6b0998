import { LineCounter, parseDocument } from "yaml";
import { lineOf } from "@/lib/parse-spec";
import type { FieldError } from "@/lib/pipeline-spec";

const UNKNOWN_FIELD = /^unknown fields? '([^']+)'/;

/**
 * Gives each error the line to show: server errors (the catalog checks: unknown templates,
 * template params) get the line of their path, and "unknown field 'x'" points at the key
 * itself rather than at the object that holds it. Sorted top to bottom, like the text.
 */
export function withLines(text: string, errors: FieldError[]): FieldError[] {
  const needs = (e: FieldError) => (e.line === undefined && !!e.path) || UNKNOWN_FIELD.test(e.message);
  if (!errors.some(needs)) return sortByLine(errors);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const out = errors.map((e) => {
    if (!needs(e)) return e;
    const key = UNKNOWN_FIELD.exec(e.message)?.[1];
    const path = key ? (e.path ? `${e.path}.${key}` : key) : e.path;
    return { ...e, line: lineOf(doc, lc, path) ?? e.line };
  });
  return sortByLine(out);
}

function sortByLine(errors: FieldError[]): FieldError[] {
  return [...errors].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

export function describeError(e: FieldError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}
