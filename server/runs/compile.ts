import { junitGlobs, MAX_TIMEOUT_SECONDS, type PipelineSpec, type TaskSpec } from "@/lib/pipeline-spec";
import type { TaskPlan } from "@/lib/plan";
import type { GatePlan } from "@/lib/approvals";
import { validationFailed } from "@/lib/errors";
import type { FieldError } from "@/lib/pipeline-spec";
import type { TemplateView } from "../templates/catalog";
import { validateParams } from "../templates/params";
import { secretParamsOf } from "@/lib/expressions/check-spec";
import { escapeText, parseTemplate, refsOf, render, type Value } from "@/lib/expressions/template";
import { runLookup, type RunValues } from "@/lib/expressions/values";
import { mapSidecarStrings, planStrings } from "@/lib/expressions/plan";

const DEFAULT_TIMEOUT = 3600;

/**
 * Spec + catalog → the frozen plan of one task. References (lib/expressions) are filled in with
 * what the run knows now (`values`); those known only when the task starts (results of earlier
 * tasks, the run's id and number) stay in the plan's strings for the operator (resolvePlan).
 * Values are substituted inside one argv element or env value at a time: a value never becomes
 * extra arguments or shell syntax of the template (the script of the `shell` template is, by
 * design, the script). A secret param reaches the plan only as the name of what to resolve.
 * For one combination of a matrix task, `values.matrix` holds its values.
 */
export function compileTask(task: TaskSpec, tpl: TemplateView, at: string, values?: RunValues, stageWhen?: string): TaskPlan {
  const secretParams = secretParamsOf(tpl.paramsSchema);
  const lookup = values ? runLookup(values) : () => undefined;
  const rendered: Record<string, unknown> = {};
  const secretSources: Record<string, { secret: string } | { param: string }> = {};
  for (const [k, v] of Object.entries(task.params)) {
    if (secretParams.has(k)) {
      const source = typeof v === "string" ? secretSource(v) : null;
      if (!source) throw validationFailed([{ path: `${at}.params.${k}`, message: "this param is secret: use {{ secrets.NAME }}" }]);
      secretSources[k] = source;
    } else rendered[k] = renderDeep(v, lookup);
  }
  coerceTyped(tpl.paramsSchema, task.params, rendered);
  // A secret param is checked as the reference it is (its value is never here): required is met.
  const r = validateParams(tpl.paramsSchema, { ...rendered, ...pick(task.params, Object.keys(secretSources)) }, `${at}.params`, {
    deferRefs: true,
  });
  if (!r.ok) throw validationFailed(r.errors);
  // A schema default may use references too (`default: "{{ git.shortSha }}"`): filled in like a given value.
  for (const [k, v] of Object.entries(r.value))
    if (!(k in task.params) && !secretParams.has(k) && typeof v === "string") r.value[k] = render(v, lookup, false);
  // In the template's own strings `params.x` is one of its params; the rest is the run's.
  const paramValue = (k: string): Value | undefined => {
    if (secretParams.has(k)) return undefined;
    const v = r.value[k];
    if (v === undefined || v === null) return "";
    return typeof v === "string" ? { escaped: v } : JSON.stringify(v);
  };
  const tplLookup = (path: string[]): Value | undefined => (path[0] === "params" && path.length === 2 ? paramValue(path[1]) : lookup(path));
  const sub = (s: string) => render(s, tplLookup, false);
  const command = [...tpl.command, ...tpl.args].map(sub);
  // Sidecars take params too (the integration-test template picks its database image from one).
  const sidecars = tpl.sidecars?.map((sc) => mapSidecarStrings(sc, sub));
  // A template env entry that is exactly a secret param becomes a secret env var; the task's own env wins.
  const env: Record<string, string> = {};
  const secretEnv: NonNullable<TaskPlan["secretEnv"]> = {};
  for (const [k, v] of Object.entries(tpl.env)) {
    const ref = wholeRef(v);
    const source = ref?.[0] === "params" && secretParams.has(ref[1]) ? secretSources[ref[1]] : undefined;
    if (ref?.[0] === "params" && secretParams.has(ref[1])) {
      if (source && !(k in task.env)) secretEnv[k] = source;
    } else env[k] = sub(v);
  }
  // A matrix combination's values reach the task as env vars of the axes' names (never also in `env`: the spec refuses that).
  for (const [k, v] of Object.entries(values?.matrix ?? {})) env[k] = escapeText(v);
  for (const [k, v] of Object.entries(task.env)) env[k] = render(v, lookup, false);
  const when = [
    ...(stageWhen ? [{ expr: stageWhen, from: "stage" as const }] : []),
    ...(task.when ? [{ expr: task.when, from: "task" as const }] : []),
  ];
  const results = [...(tpl.results ?? []).map((x) => x.name), ...(task.results ?? []).map((x) => x.name)];
  const plan: TaskPlan = {
    ...(sidecars?.length ? { sidecars } : {}),
    // Names only: the operator resolves the values when the task starts (server/secrets).
    ...(task.secrets?.length ? { secrets: [...task.secrets] } : {}),
    ...(tpl.gate === "approval" ? { gate: approvalGate(r.value) } : {}),
    ...(task.kubernetes ? { kubernetes: structuredClone(task.kubernetes) } : {}),
    ...(tpl.needsClusterAccess ? { clusterAccess: true as const } : {}),
    ...(tpl.cachePath ? { cache: true as const } : {}),
    ...(tpl.runAsRoot ? { runAsRoot: true as const } : {}),
    template: tpl.name,
    templateVersion: tpl.version,
    image: tpl.image,
    command,
    localCommand: tpl.local.supported ? (tpl.local.command ? tpl.local.command.map(sub) : command) : null,
    env,
    timeoutSeconds: timeoutOf(task, lookup, at) ?? tpl.timeoutSeconds ?? DEFAULT_TIMEOUT,
    retries: task.retries,
    ...(task.retry?.onFlaky ? { flakyRetries: task.retry.onFlaky } : {}),
    ...(values ? { templated: true as const } : {}),
    ...(Object.keys(secretEnv).length ? { secretEnv } : {}),
    ...(when.length ? { when: { conditions: when, context: conditionContext(values) } } : {}),
    ...(results.length ? { results } : {}),
    ...(task.reports ? { reports: { junit: junitGlobs(task.reports) } } : {}),
    ...(task.matrix && values?.matrix
      ? { matrix: { task: task.name, values: { ...values.matrix }, failFast: task.failFast ?? true } }
      : {}),
  };
  const needs = resultsNeeded(plan);
  return needs.length ? { ...plan, needs } : plan;
}

/** What a `when` condition sees of the run as created (secret params are not in `values`). */
function conditionContext(v: RunValues | undefined): Record<string, unknown> {
  if (!v) return {};
  const git = Object.fromEntries(Object.entries(runGit(v)).map(([k, x]) => [k, x ?? ""]));
  const e = v.event;
  const event = {
    type: e?.type ?? "manual",
    issueKeys: [...(e?.issueKeys ?? [])],
    image: e?.image ?? "",
    mr: { iid: e?.mrIid ?? 0 },
    fork: e?.fork === true,
  };
  return { params: v.params, git, event, pipeline: v.pipeline, project: v.project };
}

const runGit = (v: RunValues) => ({ ...v.git, shortSha: (v.git.sha ?? "").slice(0, 7) });

/** The task's timeout: a number, or a reference the run fills in now; anything but whole seconds is refused at the field. */
function timeoutOf(task: TaskSpec, lookup: (path: string[]) => Value | undefined, at: string): number | undefined {
  const t = task.timeoutSeconds;
  if (t === undefined || typeof t === "number") return t;
  const text = render(t, lookup, false);
  const n = refsOf(text).length ? NaN : Number(text.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_TIMEOUT_SECONDS)
    throw validationFailed([
      { path: `${at}.timeoutSeconds`, message: `'${t}' gives '${text}', not a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}` },
    ]);
  return n;
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

/** `{{ secrets.NAME }}` or `{{ params.P }}` (a secret run param), checked on save; anything else is refused. */
function secretSource(v: string): { secret: string } | { param: string } | null {
  const ref = wholeRef(v);
  if (ref?.length === 2 && ref[0] === "secrets") return { secret: ref[1] };
  if (ref?.length === 2 && ref[0] === "params") return { param: ref[1] };
  return null;
}

/** The path of a text that is exactly one reference. */
function wholeRef(v: string): string[] | null {
  const parts = parseTemplate(v).parts;
  return parts.length === 1 && parts[0].kind === "ref" ? parts[0].path : null;
}

function renderDeep(v: unknown, lookup: (path: string[]) => Value | undefined): unknown {
  if (typeof v === "string") return render(v, lookup, false);
  if (Array.isArray(v)) return v.map((x) => renderDeep(x, lookup));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderDeep(x, lookup)]));
  return v;
}

/** A reference that filled a number or boolean param gives text: it becomes the type its schema wants. */
function coerceTyped(schema: Record<string, unknown>, given: Record<string, unknown>, out: Record<string, unknown>) {
  const props = (schema.properties ?? {}) as Record<string, { type?: unknown }>;
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== "string" || typeof given[k] !== "string" || refsOf(given[k] as string).length === 0 || refsOf(v).length) continue;
    const type = props[k]?.type;
    if ((type === "integer" || type === "number") && v.trim() !== "" && Number.isFinite(Number(v))) out[k] = Number(v);
    else if (type === "boolean" && (v === "true" || v === "false")) out[k] = v === "true";
  }
}

/** [task, result] pairs the plan's strings use. */
function resultsNeeded(plan: TaskPlan): [string, string][] {
  const seen = new Map<string, [string, string]>();
  const scan = (s: string) => {
    for (const r of refsOf(s))
      if (r.path[0] === "tasks" && r.path[2] === "results" && r.path.length === 4)
        seen.set(`${r.path[1]}/${r.path[3]}`, [r.path[1], r.path[3]]);
  };
  for (const s of planStrings(plan)) scan(s);
  return [...seen.values()];
}

/** A manual-approval task's params (already validated by its template's schema) → its gate. */
function approvalGate(p: Record<string, unknown>): GatePlan {
  const minutes = typeof p.timeoutMinutes === "number" ? p.timeoutMinutes : 1440;
  return {
    kind: "approval",
    approvers: Array.isArray(p.approvers) ? p.approvers.map(String) : [],
    requiredApprovals: typeof p.requiredApprovals === "number" ? p.requiredApprovals : 1,
    timeoutSeconds: Math.max(1, Math.round(minutes * 60)),
    onTimeout: p.onTimeout === "approve" || p.onTimeout === "skip" ? p.onTimeout : "fail",
    instructions: typeof p.instructions === "string" ? p.instructions : "",
  };
}

/** Pipeline params given at run time → the full set of values, defaults applied. */
export function resolveRunParams(
  spec: PipelineSpec,
  given: Record<string, unknown>,
): { values: Record<string, string>; secrets: string[] } {
  const errors: FieldError[] = [];
  const declared = new Map(spec.params.map((p) => [p.name, p]));
  for (const k of Object.keys(given))
    if (!declared.has(k))
      errors.push({ path: `params.${k}`, message: `unknown param (declared: ${[...declared.keys()].join(", ") || "none"})` });
  const values: Record<string, string> = {};
  for (const p of spec.params) {
    const v = given[p.name];
    if (v !== undefined && v !== null) {
      if (typeof v === "object") errors.push({ path: `params.${p.name}`, message: "must be a string, number or boolean" });
      else values[p.name] = String(v);
    } else if (p.default !== undefined) values[p.name] = p.default;
    else if (p.required) errors.push({ path: `params.${p.name}`, message: "required" });
    else values[p.name] = "";
  }
  if (errors.length) throw validationFailed(errors, "params");
  return { values, secrets: spec.params.filter((p) => p.secret).map((p) => p.name) };
}
