import { Environment } from "@marcbachmann/cel-js";

/**
 * `when:` conditions of tasks and stages: CEL (the Common Expression Language of Kubernetes and
 * Tekton) over what the run knows when the task is about to start:
 * `git.branch == "main" && tasks.test.status == "succeeded"`. Checked (syntax and types) when the
 * pipeline is saved, evaluated by the operator; false skips the task with the condition as reason.
 */

const env = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 50 } })
  .registerVariable("params", "map<string, string>")
  .registerVariable("git", "map<string, string>")
  .registerVariable("event", "map<string, dyn>")
  .registerVariable("run", "map<string, dyn>")
  .registerVariable("pipeline", "map<string, string>")
  .registerVariable("project", "map<string, string>")
  .registerVariable("tasks", "map<string, map<string, dyn>>");

export interface ConditionContext {
  params: Record<string, string>;
  git: Record<string, string>;
  event: Record<string, unknown>;
  run: Record<string, unknown>;
  pipeline: Record<string, string>;
  project: Record<string, string>;
  /** Earlier tasks: `{status, results: {NAME: value}}`. */
  tasks: Record<string, { status: string; results: Record<string, string> }>;
}

/** Null when the condition is a valid CEL expression of type bool, else what is wrong (one line). */
export function conditionProblem(expr: string): string | null {
  if (!expr.trim()) return "the condition is empty";
  let r: ReturnType<typeof env.check>;
  try {
    r = env.check(expr);
  } catch (e) {
    return firstLine((e as Error).message);
  }
  if (!r.valid) return `${r.error?.name === "ParseError" ? "syntax error" : "type error"}: ${firstLine(r.error?.message ?? "invalid")}`;
  if (r.type !== "bool" && r.type !== "dyn") return `the condition must be true or false, not ${r.type}`;
  return null;
}

/** Task names a condition reads through `tasks.NAME` or `tasks["NAME"]`. */
export function conditionTasks(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\btasks\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"]+)"\s*\]|\[\s*'([^']+)'\s*\])/g))
    names.add(m[1] ?? m[2] ?? m[3]);
  return [...names];
}

/** Evaluates a checked condition; a runtime error (a missing key) is reported, not thrown. */
export function evaluateCondition(expr: string, ctx: ConditionContext): { ok: true; value: boolean } | { ok: false; error: string } {
  try {
    const v = env.evaluate(expr, jsonToCel(ctx) as Record<string, unknown>);
    if (typeof v !== "boolean") return { ok: false, error: `the condition gave ${typeof v}, not true or false` };
    return { ok: true, value: v };
  } catch (e) {
    return { ok: false, error: firstLine((e as Error).message) };
  }
}

/** CEL's integers are BigInt: JSON numbers that are whole become BigInt, the rest stay doubles. */
function jsonToCel(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(jsonToCel);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonToCel(x)]));
  return v;
}

const firstLine = (s: string) => s.split("\n")[0].trim();
