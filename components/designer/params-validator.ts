import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020.js";
import type { Problem } from "@/lib/designer/problems";

/**
 * The browser's check of task params: ajv with draft 2020-12 like server/templates/params.ts,
 * so the form, the node badges and the server's save-time check agree.
 */
export const paramsValidator = customizeValidator({ AjvClass: Ajv2020 as never });

export function validateTaskParams(schema: Record<string, unknown>, params: Record<string, unknown>) {
  return paramsValidator.validateFormData(params, schema);
}

/** By schema, then params object: operations keep untouched tasks' objects, so a 300-task edit checks one. */
const cache = new WeakMap<object, WeakMap<object, Problem[]>>();

export function paramProblems(schema: Record<string, unknown>, params: Record<string, unknown>): Problem[] {
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
