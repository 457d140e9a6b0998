import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FieldError } from "@/lib/pipeline-spec";
import { refsOf } from "@/lib/expressions/template";

/**
 * Validates task params against a template's JSON Schema with ajv — the same schema the
 * browser's generated form uses, so that the API and the form agree.
 */
const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

const cache = new Map<string, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(key, fn);
  }
  return fn;
}

/**
 * Returns the params with schema defaults applied, or the errors with `prefix`-rooted paths.
 * With `deferRefs`, a string value holding `{{ … }}` references is not judged by its schema
 * now: its value exists only when the run is created or the task starts, and is checked then.
 */
export function validateParams(
  schema: Record<string, unknown>,
  params: Record<string, unknown>,
  prefix: string,
  opts: { deferRefs?: boolean } = {},
): { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  const value = structuredClone(params);
  const fn = compile(schema);
  if (fn(value)) return { ok: true, value };
  const errors = (fn.errors ?? []).filter((e) => !(opts.deferRefs && holdsRefs(valueAt(value, e.instancePath))));
  if (errors.length === 0) return { ok: true, value };
  return { ok: false, errors: errors.map((e) => toFieldError(e, prefix)) };
}

const holdsRefs = (v: unknown) => typeof v === "string" && refsOf(v).length > 0;

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const seg of pointer.split("/").slice(1)) {
    const key = seg.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

function toFieldError(e: ErrorObject, prefix: string): FieldError {
  const segs = e.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let path = prefix;
  for (const s of segs) path += /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
  switch (e.keyword) {
    case "required":
      return { path: `${path}.${(e.params as { missingProperty: string }).missingProperty}`, message: "required" };
    case "additionalProperties":
      return { path: `${path}.${(e.params as { additionalProperty: string }).additionalProperty}`, message: "unknown param" };
    case "enum":
      return {
        path,
        message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`,
      };
    default:
      return { path, message: e.message ?? "invalid" };
  }
}

/** Checks that a params schema is itself a usable JSON Schema. */
export function schemaProblem(schema: Record<string, unknown>): string | null {
  try {
    ajv.compile(schema);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Problems of a params schema as a JSON Schema, each with a path inside the schema
 * (`properties.n.type`), so an author sees which keyword is wrong; empty when it compiles.
 */
export function schemaErrors(schema: Record<string, unknown>): FieldError[] {
  if (!ajv.validateSchema(schema)) {
    const seen = new Set<string>();
    const out: FieldError[] = [];
    for (const e of ajv.errors ?? []) {
      if (seen.has(e.instancePath)) continue; // anyOf alternatives repeat the same spot
      seen.add(e.instancePath);
      const path = e.instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
        .join("")
        .replace(/^\./, "");
      const allowed =
        e.keyword === "enum"
          ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
          : "";
      out.push({ path, message: `${e.message ?? "invalid"}${allowed}` });
    }
    return out;
  }
  const problem = schemaProblem(schema);
  return problem ? [{ path: "", message: problem }] : [];
}
