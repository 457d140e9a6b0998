import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { AppError, validationFailed } from "@/lib/errors";
import { lineOf, parseSpecText, validateSpec } from "@/lib/parse-spec";
import { zodIssuesToFieldErrors, type FieldError, type PipelineSpec } from "@/lib/pipeline-spec";
import { SaveQuerySchema } from "@/lib/api-schemas";
import { readBody } from "./handler";

/** Request parsing shared by the v1 route handlers: query strings, spec bodies, save options. */

/** Query-string parameters; a bad value is the client's mistake in the URL, so 400 (not 422). */
export function parseQuery<S extends z.ZodType>(req: Request, schema: S, extra: Record<string, string | undefined> = {}): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [k, v] of new URL(req.url).searchParams) raw[k] = v;
  // Headers (If-Match, X-Gantry-Message) win over the query string.
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) raw[k] = v;
  const r = schema.safeParse(raw);
  if (!r.success) {
    const errors = zodIssuesToFieldErrors(r.error.issues);
    throw new AppError("bad_request", `invalid query: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, { errors });
  }
  return r.data;
}

/** A path segment that must be a positive integer (a version number). */
export function intParam(value: string, what: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new AppError("bad_request", `${what} must be a positive integer, got '${value}'`);
  return Number(value);
}

export interface SpecBody {
  spec: PipelineSpec;
  /** The YAML text as written, kept so comments survive; absent for JSON bodies. */
  source?: string;
  /** Adds YAML line numbers to field errors found later (e.g. against the catalog). */
  locate: (e: unknown) => unknown;
}

/**
 * A pipeline spec body, JSON or YAML. Malformed text is 400; a spec that breaks the schema is 422
 * with every field error (and its line, for YAML). Nothing is written before this passes.
 */
export async function readSpecBody(req: Request): Promise<SpecBody> {
  const body = await readBody(req);
  if (body.yaml) {
    const r = parseSpecText(body.text);
    if (!r.ok) {
      if (r.syntax)
        throw new AppError("bad_request", `malformed YAML body: ${r.errors[0]?.message ?? "syntax error"}`, { errors: r.errors });
      throw validationFailed(r.errors);
    }
    return { spec: r.spec, source: body.text, locate: (e) => addLines(e, body.text) };
  }
  const r = validateSpec(body.value);
  if (!r.ok) throw validationFailed(r.errors);
  return { spec: r.spec, locate: (e) => e };
}

function addLines(e: unknown, text: string): unknown {
  if (!(e instanceof AppError) || e.code !== "validation_failed" || !e.details?.errors) return e;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const errors: FieldError[] = e.details.errors.map((fe) => (fe.line ? fe : { ...fe, line: lineOf(doc, lc, fe.path) }));
  return new AppError(e.code, e.message, { ...e.details, errors });
}

/**
 * `If-Match: "3"` (or `?baseVersion=3`) makes a save conditional on the pipeline still being at
 * that version; `X-Gantry-Message` (or `?message=`) is the version's message.
 */
export function saveOptions(req: Request): { baseVersion?: number; message?: string } {
  const ifMatch = req.headers.get("if-match")?.trim();
  let fromHeader: string | undefined;
  if (ifMatch && ifMatch !== "*") {
    const m = /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch);
    if (!m) throw new AppError("bad_request", `If-Match must be a version number like "3", got '${ifMatch}'`);
    fromHeader = m[1];
  }
  const header = req.headers.get("x-gantry-message") ?? undefined;
  return parseQuery(req, SaveQuerySchema, { baseVersion: fromHeader, message: header ? decodeHeader(header) : undefined });
}

/** Header values are Latin-1; clients may percent-encode a UTF-8 message. */
function decodeHeader(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
