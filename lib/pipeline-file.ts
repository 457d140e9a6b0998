import { isMap, LineCounter, parseDocument } from "yaml";
import { lineOf, linePath, validateSpec } from "./parse-spec";
import type { FieldError, PipelineSpec } from "./pipeline-spec";

/**
 * A pipeline kept in its repository (`source: {from: repository}`): the file gives the stages,
 * params and the rest; these keys stay as set in Gantry, so a push can neither rename the
 * pipeline nor point it at another repository, other triggers or another file.
 */
export const GANTRY_KEYS = ["name", "repository", "triggers", "source"] as const;

export type PipelineFileResult = { ok: true; spec: PipelineSpec; source: string } | { ok: false; errors: FieldError[] };

/**
 * Parses and validates the text of a pipeline file over the Gantry-side pipeline `shell`. Errors
 * carry the field path and the line of the file it is on. `source` is the file with Gantry's keys
 * set, comments kept: the text the new version is saved with.
 */
export function parsePipelineFile(text: string, shell: PipelineSpec): PipelineFileResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length)
    return { ok: false, errors: doc.errors.map((e) => ({ path: "", message: e.message.split("\n")[0], line: e.linePos?.[0]?.line })) };
  if (!isMap(doc.contents))
    return { ok: false, errors: [{ path: "", message: "the pipeline file must be a mapping with stages", line: 1 }] };
  for (const k of GANTRY_KEYS) {
    if (shell[k] === undefined) doc.delete(k);
    else doc.set(k, doc.createNode(shell[k]));
  }
  const r = validateSpec(doc.toJS({ maxAliasCount: 100 }));
  const errors: FieldError[] = r.ok ? [] : r.errors;
  if (r.ok && r.spec.stages.length === 0) errors.push({ path: "stages", message: "the pipeline file needs at least one stage" });
  if (!r.ok || errors.length) return { ok: false, errors: errors.map((e) => ({ ...e, line: lineOf(doc, lc, linePath(e)) })) };
  return { ok: true, spec: r.spec, source: doc.toString() };
}

/** The lines of a file that errors found after parsing (the catalog's, the secrets') are on. */
export function withFileLines(text: string, errors: readonly FieldError[]): FieldError[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return errors.map((e) => ({ ...e, line: e.line ?? lineOf(doc, lc, linePath(e)) }));
}

/** Whether two specs say the same thing, whatever the order of their keys (the database's JSON reorders them). */
export function sameSpec(a: PipelineSpec, b: PipelineSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : x,
  );
}

/** `.gantry.yaml line 4: stages[0].tasks[0].template: unknown template 'nope'`, one problem per line. */
export function describeFileErrors(path: string, errors: readonly FieldError[]): string {
  return errors.map((e) => `${path}${e.line ? ` line ${e.line}` : ""}: ${e.path ? `${e.path}: ` : ""}${e.message}`).join("\n");
}
