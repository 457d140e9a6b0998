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
 * tasks of the same sequential stage; every stage task for `finally` tasks) with their results,
 * secrets only in secret fields, `matrix.NAME` only in a matrix task. Each problem has the
 * field's path. Unknown templates are reported elsewhere and skipped here.
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
  const condition = (expr: string | undefined, path: string, visible: ReadonlyMap<string, readonly string[]>, inFinally = false) => {
    // The run's status is what the stages came to: only `finally` tasks run after they have.
    if (expr && !inFinally && /\brun\s*(?:\.\s*status\b|\[\s*["']status["']\s*\])/.test(expr))
      errors.push({ path, message: "run.status is known only in `finally` tasks" });
    for (const name of expr ? conditionTasks(expr) : [])
      if (!visible.has(name))
        errors.push({
          path,
          message: `task '${name}' does not end before this one (tasks it may use: ${[...visible.keys()].join(", ") || "none"})`,
        });
  };

  // A matrix task's results are one per combination: references to them are refused.
  const matrixTasks = new Set(
    [...spec.stages.flatMap((st) => st.tasks), ...(spec.finally ?? [])].filter((t) => t.matrix).map((t) => t.name),
  );
  const matrixResults = (expr: string | undefined, path: string, visible: ReadonlyMap<string, readonly string[]>) => {
    for (const name of expr ? conditionTasks(expr) : [])
      if (visible.has(name) && matrixTasks.has(name) && resultsIn(expr ?? "", name))
        errors.push({
          path,
          message: `task '${name}' has a matrix: it writes its results once per combination, so they are ambiguous (use tasks.${name}.status)`,
        });
  };
  const checkTask = (task: TaskSpec, at: string, visible: ReadonlyMap<string, readonly string[]>, inFinally: boolean) => {
    const tpl = template(task.template);
    const scope: RefScope = {
      ...base,
      inFinally,
      tasks: visible,
      secretField: false,
      matrixTasks,
      ...(task.matrix ? { matrix: new Set(Object.keys(task.matrix)) } : {}),
    };
    for (const [k, v] of Object.entries(task.params)) {
      if (tpl?.secretParams.has(k)) {
        if (typeof v !== "string") errors.push({ path: `${at}.params.${k}`, message: "this param is secret: use {{ secrets.NAME }}" });
        else text(v, `${at}.params.${k}`, { ...scope, secretField: true });
      } else strings(v, `${at}.params.${k}`, scope);
    }
    for (const [k, v] of Object.entries(task.env)) text(v, `${at}.env.${k}`, scope);
    // A timeout is needed when the run is created: only values known then.
    if (typeof task.timeoutSeconds === "string") text(task.timeoutSeconds, `${at}.timeoutSeconds`, { ...scope, runPhaseOnly: true });
    condition(task.when, `${at}.when`, visible, inFinally);
    matrixResults(task.when, `${at}.when`, visible);
    return resultsOf(task, tpl);
  };

  spec.stages.forEach((stage, si) => {
    const before = new Map(done);
    condition(stage.when, `stages[${si}].when`, before);
    matrixResults(stage.when, `stages[${si}].when`, before);
    const inStage = new Map<string, readonly string[]>();
    stage.tasks.forEach((task, ti) => {
      const visible = stage.mode === "sequential" ? new Map([...before, ...inStage]) : before;
      inStage.set(task.name, checkTask(task, `stages[${si}].tasks[${ti}]`, visible, false));
    });
    for (const [k, v] of inStage) done.set(k, v);
  });
  // `finally` tasks run side by side after every stage: they see all stage tasks, not each other.
  (spec.finally ?? []).forEach((task, i) => checkTask(task, `finally[${i}]`, done, true));
  return errors;
}

/** Whether a condition reads `tasks.NAME.results` (or `tasks["NAME"].results`). */
function resultsIn(expr: string, name: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`\\btasks\\s*(?:\\.\\s*${n}|\\[\\s*["']${n}["']\\s*\\])\\s*\\.\\s*results\\b`).test(expr);
}
