import type { TaskPlan } from "@/lib/plan";
import { credentialSecretNames } from "@/lib/repository";
import type { DbOrTx } from "../db/client";
import { isSealed, seal, unseal } from "./crypto";
import { resolveSecrets } from "./secrets";

/**
 * Secret values of a run, in the two places they live: secret pipeline params (sealed inside
 * `runs.params` when the run is created) and the project secrets a task names (`secrets:`),
 * resolved only when the task starts. Nothing here is ever written back in clear.
 */

/**
 * Binds a sealed param to its name. Not to its run: a re-run may copy the params of the run it
 * repeats as they are.
 */
export const runParamAad = (name: string) => `run-param:${name}`;

/** At run creation: the values of secret params are sealed; the others stay as they are. */
export function sealRunParams(values: Record<string, string>, secretNames: readonly string[]): Record<string, string> {
  const secret = new Set(secretNames);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secret.has(k) && v !== "" ? seal(v, runParamAad(k)) : v]));
}

/** In the operator: the run's params in clear (runs made before sealing are read as they are). */
export function openRunParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, isSealed(v) ? unseal(v, runParamAad(k)) : v]));
}

export interface TaskSecrets {
  /** The run's params in clear, secret ones included. */
  params: Record<string, string>;
  /** The project secrets the task names, by name. */
  secrets: Record<string, string>;
  /** The project secrets the clone's credentials name, by name: for the clone step only. */
  clone: Record<string, string>;
  /** Secret template params (`plan.secretEnv`): env var → value. */
  env: Record<string, string>;
  /** Every secret value of the task, for the log masker. */
  values: string[];
}

/** At task start: what the task needs in clear. Throws when a named secret is gone or a value does not decrypt. */
export async function taskSecrets(
  db: DbOrTx,
  run: { id: string; pipelineId: string; params: Record<string, string>; secretNames: readonly string[] },
  plan: Pick<TaskPlan, "secrets" | "source" | "secretEnv">,
): Promise<TaskSecrets> {
  const params = openRunParams(run.params);
  const own = plan.secrets ?? [];
  const cloneNames = credentialSecretNames(plan.source?.git?.credentials);
  const sources = Object.entries(plan.secretEnv ?? {});
  const viaParams = sources.flatMap(([, src]) => ("secret" in src ? [src.secret] : []));
  const all = await resolveSecrets(db, run.pipelineId, [...new Set([...own, ...cloneNames, ...viaParams])]);
  const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, all[n]]));
  const env = Object.fromEntries(sources.map(([k, src]) => [k, "secret" in src ? all[src.secret] : (params[src.param] ?? "")]));
  // The clone's credential is masked like the task's own secrets: git or a hook may print it.
  const values = [...run.secretNames.map((n) => params[n]), ...Object.values(all)].filter((v): v is string => !!v);
  return { params, secrets: pick(own), clone: pick(cloneNames), env, values };
}
