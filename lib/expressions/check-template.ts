import type { FieldError } from "../pipeline-spec";
import type { TemplateDefinition } from "../template-schema";
import { secretParamsOf } from "./check-spec";
import { checkRef, type RefScope } from "./references";
import { parseTemplate } from "./template";

/**
 * A template's own `{{ … }}` references: in its command, args, env and sidecars `params.NAME` is
 * one of the template's params; the run's values (git, event, run, pipeline, project) may be
 * used too. A secret param may appear only as the whole value of an `env` entry, so its value
 * reaches the process as an environment variable and nowhere else (command line, plan, logs).
 */
export function checkTemplateExpressions(
  def: Pick<TemplateDefinition, "paramsSchema" | "command" | "args" | "env" | "sidecars" | "local">,
): FieldError[] {
  const props = Object.keys((def.paramsSchema.properties ?? {}) as Record<string, unknown>);
  const secret = secretParamsOf(def.paramsSchema);
  const errors: FieldError[] = [];
  // Outside params, a template sees what every task sees when the run is created.
  const scope: RefScope = {
    params: new Map(),
    tasks: new Map(),
    secretField: false,
    projectSecrets: null,
    inFinally: false,
    runPhaseOnly: false,
  };
  const check = (s: string, path: string, inEnv: boolean) => {
    const parts = parseTemplate(s).parts;
    for (const p of parts) {
      if (p.kind !== "ref") continue;
      if (p.path[0] === "params") {
        const name = p.path[1];
        if (p.path.length !== 2 || !props.includes(name))
          errors.push({
            path,
            message: `{{ ${p.raw} }}: the template has no param '${p.path.slice(1).join(".")}' (its params: ${props.join(", ") || "none"})`,
          });
        else if (secret.has(name) && !(inEnv && parts.length === 1))
          errors.push({
            path,
            message: `{{ ${p.raw} }}: param '${name}' is secret: use it only as the whole value of an env entry (e.g. TOKEN: "{{ params.${name} }}"), never in the command line`,
          });
        continue;
      }
      if (p.path[0] === "secrets") {
        errors.push({ path, message: `{{ ${p.raw} }}: a template names no project secret; declare a secret param instead` });
        continue;
      }
      const c = checkRef(p.path, scope);
      if (!c.ok) errors.push({ path, message: `{{ ${p.raw} }}: ${c.message}` });
    }
  };
  def.command.forEach((s, i) => check(s, `command[${i}]`, false));
  def.args.forEach((s, i) => check(s, `args[${i}]`, false));
  def.local.command?.forEach((s, i) => check(s, `local.command[${i}]`, false));
  for (const [k, v] of Object.entries(def.env)) check(v, `env.${k}`, true);
  def.sidecars?.forEach((sc, si) => {
    check(sc.image, `sidecars[${si}].image`, false);
    sc.command?.forEach((s, i) => check(s, `sidecars[${si}].command[${i}]`, false));
    sc.args?.forEach((s, i) => check(s, `sidecars[${si}].args[${i}]`, false));
    sc.preStop?.forEach((s, i) => check(s, `sidecars[${si}].preStop[${i}]`, false));
    for (const [k, v] of Object.entries(sc.env ?? {})) check(v, `sidecars[${si}].env.${k}`, false);
  });
  for (const name of secret) {
    const d = (def.paramsSchema.properties as Record<string, { default?: unknown }>)[name];
    if (d?.default !== undefined)
      errors.push({ path: `paramsSchema.properties.${name}.default`, message: "a secret param cannot have a default value" });
  }
  return errors;
}
