import type { PipelineSpec, TaskSpec } from "@/lib/pipeline-spec";
import type { TaskPlan } from "@/lib/plan";
import type { GatePlan } from "@/lib/approvals";
import { validationFailed } from "@/lib/errors";
import type { FieldError } from "@/lib/pipeline-spec";
import type { TemplateView } from "../templates/catalog";
import { validateParams } from "../templates/params";

const DEFAULT_TIMEOUT = 3600;

/**
 * Spec + catalog → the frozen plan of one task. `{{params.x}}` placeholders are substituted
 * inside each argv element on its own: a value never becomes extra arguments or shell syntax
 * of the template (the script of the `shell` template is, by design, the script).
 */
export function compileTask(task: TaskSpec, tpl: TemplateView, at: string): TaskPlan {
  const r = validateParams(tpl.paramsSchema, task.params, `${at}.params`);
  if (!r.ok) throw validationFailed(r.errors);
  const sub = (s: string) =>
    s.replace(/\{\{\s*params\.([A-Za-z0-9_-]+)\s*\}\}/g, (_, k: string) => {
      const v = r.value[k];
      return v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
    });
  const command = [...tpl.command, ...tpl.args].map(sub);
  // Sidecars take params too (the integration-test template picks its database image from one).
  const sidecars = tpl.sidecars?.map((sc) => ({
    ...sc,
    image: sub(sc.image),
    ...(sc.command ? { command: sc.command.map(sub) } : {}),
    ...(sc.args ? { args: sc.args.map(sub) } : {}),
    ...(sc.env ? { env: Object.fromEntries(Object.entries(sc.env).map(([k, v]) => [k, sub(v)])) } : {}),
    ...(sc.preStop ? { preStop: sc.preStop.map(sub) } : {}),
  }));
  return {
    ...(sidecars?.length ? { sidecars } : {}),
    // Names only: the operator resolves the values when the task starts (server/secrets).
    ...(task.secrets?.length ? { secrets: [...task.secrets] } : {}),
    ...(tpl.gate === "approval" ? { gate: approvalGate(r.value) } : {}),
    ...(task.kubernetes ? { kubernetes: structuredClone(task.kubernetes) } : {}),
    template: tpl.name,
    templateVersion: tpl.version,
    image: tpl.image,
    command,
    localCommand: tpl.local.supported ? (tpl.local.command ? tpl.local.command.map(sub) : command) : null,
    env: { ...tpl.env, ...task.env },
    timeoutSeconds: task.timeoutSeconds ?? tpl.timeoutSeconds ?? DEFAULT_TIMEOUT,
    retries: task.retries,
  };
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
