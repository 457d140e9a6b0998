import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import type { ErrorObject } from "ajv";
import processRawValidationErrors from "@rjsf/validator-ajv8/lib/processRawValidationErrors.js";
import type { CustomValidator, ErrorTransformer, RJSFSchema, UiSchema, ValidationData, ValidatorType } from "@rjsf/utils";
import type { Problem } from "@/lib/designer/problems";
import { refsOf } from "@/lib/expressions/template";

/**
 * The browser's check of task params, by JSON Schema draft 2020-12 like server/templates/params.ts.
 * ajv compiles each schema into a function with `new Function`, which the pages' Content-Security-
 * Policy forbids (no 'unsafe-eval', lib/csp.ts); @cfworker/json-schema interprets the schema
 * instead. Its findings are reported in ajv's shape and words, so rjsf places them on their fields
 * and the form, the node badges and the server's save-time check say the same thing.
 */

type Json = Record<string, unknown>;

const validators = new WeakMap<object, Validator>();

function validatorFor(schema: Json): Validator {
  let v = validators.get(schema);
  if (!v) {
    v = new Validator(schema as Schema, "2020-12", false);
    validators.set(schema, v);
  }
  return v;
}

/** The value at a JSON pointer (`#/properties/a/minLength`) of the schema. */
function at(schema: unknown, pointer: string): unknown {
  let cur = schema;
  for (const raw of pointer.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    cur = cur && typeof cur === "object" ? (cur as Json)[key] : undefined;
  }
  return cur;
}

/** The pair ajv names for uniqueItems: the last item that repeats an earlier one, and that one. */
function duplicatePair(items: unknown): [number, number] {
  const list = Array.isArray(items) ? items.map((x) => JSON.stringify(x)) : [];
  for (let i = list.length - 1; i > 0; i--) for (let j = i - 1; j >= 0; j--) if (list[i] === list[j]) return [i, j];
  return [0, 0];
}

const quoted = (text: string) => /"([^"]*)"/.exec(text)?.[1] ?? "";

// Keywords that only say "a part below failed"; the part's own finding is reported as well (a
// `false` schema under additionalProperties is the additionalProperties finding).
const SUMMARIES = new Set([
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "contains",
  "allOf",
  "$ref",
  "$dynamicRef",
  "dependentSchemas",
  "unevaluatedProperties",
  "unevaluatedItems",
  "false",
  "then",
  "else",
]);

/** One @cfworker finding in ajv's words (ajv's messages, params and paths), or null for a summary. */
function toAjvError(u: OutputUnit, schema: Json, data: unknown): ErrorObject | null {
  if (SUMMARIES.has(u.keyword)) return null;
  const instancePath = u.instanceLocation.replace(/^#/, "");
  const schemaPath = u.keywordLocation;
  const value = at(schema, schemaPath);
  const base = { keyword: u.keyword, instancePath, schemaPath };
  const err = (message: string, params: Json = {}): ErrorObject => ({ ...base, params, message });
  switch (u.keyword) {
    case "required": {
      const missingProperty = quoted(u.error);
      return err(`must have required property '${missingProperty}'`, { missingProperty });
    }
    case "additionalProperties":
      // With a schema for the extra properties, the extra property's own finding is reported.
      if (value !== false) return null;
      return err("must NOT have additional properties", { additionalProperty: quoted(u.error) });
    case "type":
      return err(`must be ${Array.isArray(value) ? value.join(",") : String(value)}`, { type: value });
    case "enum":
      return err("must be equal to one of the allowed values", { allowedValues: value });
    case "const":
      return err("must be equal to constant", { allowedValue: value });
    case "pattern":
      return err(`must match pattern "${String(value)}"`, { pattern: value });
    case "format":
      return err(`must match format "${String(value)}"`, { format: value });
    case "minLength":
      return err(`must NOT have fewer than ${String(value)} characters`, { limit: value });
    case "maxLength":
      return err(`must NOT have more than ${String(value)} characters`, { limit: value });
    case "minItems":
      return err(`must NOT have fewer than ${String(value)} items`, { limit: value });
    case "maxItems":
      return err(`must NOT have more than ${String(value)} items`, { limit: value });
    case "minProperties":
      return err(`must NOT have fewer than ${String(value)} properties`, { limit: value });
    case "maxProperties":
      return err(`must NOT have more than ${String(value)} properties`, { limit: value });
    case "uniqueItems": {
      const [i, j] = duplicatePair(at(data, instancePath));
      return err(`must NOT have duplicate items (items ## ${i} and ${j} are identical)`, { i, j });
    }
    case "minimum":
      return err(`must be >= ${String(value)}`, { comparison: ">=", limit: value });
    case "maximum":
      return err(`must be <= ${String(value)}`, { comparison: "<=", limit: value });
    case "exclusiveMinimum":
      return err(`must be > ${String(value)}`, { comparison: ">", limit: value });
    case "exclusiveMaximum":
      return err(`must be < ${String(value)}`, { comparison: "<", limit: value });
    case "multipleOf":
      return err(`must be multiple of ${String(value)}`, { multipleOf: value });
    case "anyOf":
      return err("must match a schema in anyOf");
    case "oneOf":
      return err("must match exactly one schema in oneOf");
    case "not":
      return err("must NOT be valid");
    case "if":
      return err('must match "then" schema', { failingKeyword: "then" });
    case "dependentRequired":
      return err(`must have property ${quoted(u.error)}`, { property: quoted(u.error) });
    default:
      return err(u.error);
  }
}

/**
 * The form sets an emptied field to `undefined`; ajv counts such a property as missing, the
 * interpreter as present (`key in object`). Drop them so `required` means the same to both.
 */
function withoutUndefined(value: unknown): unknown {
  // An array keeps its length: a hole is a value of the wrong type, as ajv sees it.
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : withoutUndefined(v)));
  if (!value || typeof value !== "object") return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}

/**
 * A string holding `{{ … }}` references is not judged by its schema here, as on save
 * (server/templates/params.ts, `deferRefs`): its value exists only once the run is created or the
 * task starts, and is checked then.
 */
const holdsRefs = (v: unknown) => typeof v === "string" && refsOf(v).length > 0;

export function rawValidation(schema: Json, formData: unknown): { errors?: ErrorObject[]; validationError?: Error } {
  formData = withoutUndefined(formData);
  try {
    const r = validatorFor(schema).validate(formData);
    if (r.valid) return {};
    const errors = r.errors.map((u) => toAjvError(u, schema, formData)).filter((e): e is ErrorObject => e !== null);
    return { errors: errors.filter((e) => !holdsRefs(at(formData, e.instancePath))) };
  } catch (e) {
    return { validationError: e as Error };
  }
}

const withDefsCache = new WeakMap<object, WeakMap<object, Json>>();

/**
 * A sub-schema with the root's definitions beside it, so its refs resolve; the same object for
 * the same pair, so its compiled validator is reused (rjsf asks per option, per render).
 */
function withRootDefs(schema: Json, root: Json): Json {
  if (schema === root) return schema;
  let byRoot = withDefsCache.get(schema);
  if (!byRoot) withDefsCache.set(schema, (byRoot = new WeakMap()));
  let merged = byRoot.get(root);
  if (!merged) byRoot.set(root, (merged = { ...schema, $defs: root.$defs, definitions: root.definitions }));
  return merged;
}

/** rjsf's validator interface over the interpreter (see above). */
class InterpretingValidator implements ValidatorType<unknown, RJSFSchema> {
  rawValidation<Result = ErrorObject>(schema: RJSFSchema, formData?: unknown): { errors?: Result[]; validationError?: Error } {
    return rawValidation(schema as Json, formData) as { errors?: Result[]; validationError?: Error };
  }

  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator<unknown, RJSFSchema>,
    transformErrors?: ErrorTransformer<unknown, RJSFSchema>,
    uiSchema?: UiSchema<unknown, RJSFSchema>,
  ): ValidationData<unknown> {
    return processRawValidationErrors(
      this as never,
      rawValidation(schema as Json, formData) as never,
      formData,
      schema,
      customValidate,
      transformErrors,
      uiSchema,
    );
  }

  /** Used by rjsf to pick oneOf/anyOf options and if/then branches; refs resolve in the root schema. */
  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      return validatorFor(withRootDefs(schema as Json, rootSchema as Json)).validate(withoutUndefined(formData)).valid;
    } catch {
      return false;
    }
  }
}

export const paramsValidator: ValidatorType<unknown, RJSFSchema> = new InterpretingValidator();

export function validateTaskParams(schema: Json, params: Json) {
  return paramsValidator.validateFormData(params, schema as RJSFSchema);
}

/** By schema, then params object: operations keep untouched tasks' objects, so a 300-task edit checks one. */
const cache = new WeakMap<object, WeakMap<object, Problem[]>>();

export function paramProblems(schema: Json, params: Json): Problem[] {
  let bySchema = cache.get(schema);
  if (!bySchema) cache.set(schema, (bySchema = new WeakMap()));
  const hit = bySchema.get(params);
  if (hit) return hit;
  const problems = validateTaskParams(schema, params).errors.map((e) => ({
    path: (e.property ?? "").replace(/^\./, ""),
    message: e.message ?? "invalid",
  }));
  bySchema.set(params, problems);
  return problems;
}
