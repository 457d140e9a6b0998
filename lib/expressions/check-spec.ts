import type { FieldError, PipelineSpec, TaskSpec } from "../pipeline-spec";
import { conditionTasks } from "./condition";
import { checkText, type RefScope } from "./references";

/** What the spec check needs of a template: its secret params and declared results. */
export interface TemplateRefInfo {
  secretParams: ReadonlySet<string>;
  results: readonly string[];
}

/** The params a template's JSON Schema marks `secret: true`. */
export function secretParamsOf(paramsSchema: Record<string, unknown>): Set<string> {
  const props = (paramsSchema.properties ?? {}) as Record<string, { secret?: unknown }>;
  return new Set(Object.entries(props).flatMap(([k, v]) => (v && typeof v === "object" && v.secret === true ? [k] : [])));
}

/** A task's results: its template's and its own. */
export const resultsOf = (task: Pick<TaskSpec, "results">, tpl: TemplateRefInfo | undefined) => [
  ...(tpl?.results ?? []),
  ...(task.results ?? []).map((r) => r.name),
];

/**
 * Every `{{ … }}` reference and `when` condition of a shape-valid spec, checked against what it
 * may see at its place: declared params, tasks that end before it (earlier stages, and earlier
 * tasks of the same sequential stage) with their results, secrets only in secret fields. Each
 * problem has the field's path. Unknown templates are reported elsewhere and skipped here.
 */
export function checkSpecExpressions(
  spec: PipelineSpec,
  template: (name: string) => TemplateRefInfo | undefined,
  projectSecrets: ReadonlySet<string> | null,
): FieldError[] {
  const errors: FieldError[] = [];
  const params = new Map(spec.params.map((p) => [p.name, { secret: p.secret }]));
  const done = new Map<string, readonly string[]>();
  const base = { params, projectSecrets, inFinally: false, runPhaseOnly: false };
  const text = (s: string, path: string, scope: RefScope) => {
    for (const message of checkText(s, scope)) errors.push({ path, message });
  };
  const strings = (v: unknown, path: string, scope: RefScope) => {
    if (typeof v === "string") text(v, path, scope);
    else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, scope));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) strings(x, `${path}.${k}`, scope);
  };
  const condition = (expr: string | undefined, path: string, visible: ReadonlyMap<string, readonly string[]>) => {
    for (const name of expr ? conditionTasks(expr) : [])
      if (!visible.has(name))
        errors.push({
          path,
          message: `task '${name}' does not end before this one (tasks it may use: ${[...visible.keys()].join(", ") || "none"})`,
        });
  };

  spec.stages.forEach((stage, si) => {
    const before = new Map(done);
    condition(stage.when, `stages[${si}].when`, before);
    const inStage = new Map<string, readonly string[]>();
    stage.tasks.forEach((task, ti) => {
      const at = `stages[${si}].tasks[${ti}]`;
      const tpl = template(task.template);
      const visible = stage.mode === "sequential" ? new Map([...before, ...inStage]) : before;
      const scope: RefScope = { ...base, tasks: visible, secretField: false };
      for (const [k, v] of Object.entries(task.params)) {
        if (tpl?.secretParams.has(k)) {
          if (typeof v !== "string") errors.push({ path: `${at}.params.${k}`, message: "this param is secret: use {{ secrets.NAME }}" });
          else text(v, `${at}.params.${k}`, { ...scope, secretField: true });
        } else strings(v, `${at}.params.${k}`, scope);
      }
      for (const [k, v] of Object.entries(task.env)) text(v, `${at}.env.${k}`, scope);
      condition(task.when, `${at}.when`, visible);
      inStage.set(task.name, resultsOf(task, tpl));
    });
    for (const [k, v] of inStage) done.set(k, v);
  });
  return errors;
}
