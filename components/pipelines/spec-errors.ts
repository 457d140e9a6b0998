import { LineCounter, parseDocument } from "yaml";
import { lineOf } from "@/lib/parse-spec";
import type { FieldError } from "@/lib/pipeline-spec";

/**
 * Gives errors that came back from the server (which knows the catalog: unknown templates,
 * template params) the line of their path in the text being edited.
 */
export function withLines(text: string, errors: FieldError[]): FieldError[] {
  if (errors.every((e) => e.line !== undefined || !e.path)) return errors;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return errors.map((e) => (e.line !== undefined || !e.path ? e : { ...e, line: lineOf(doc, lc, e.path) }));
}

export function describeError(e: FieldError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}
