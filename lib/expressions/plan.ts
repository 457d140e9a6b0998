import type { TaskPlan } from "../plan";
import type { TemplateSidecar } from "../template-schema";
import { render, UnresolvedReference, type Value } from "./template";

/** Every string of a plan that may hold references: argv, env values, sidecars. */
export function* planStrings(plan: TaskPlan): Generator<string> {
  yield* plan.command;
  if (plan.localCommand) yield* plan.localCommand;
  yield* Object.values(plan.env);
  for (const sc of plan.sidecars ?? []) {
    yield sc.image;
    yield* sc.command ?? [];
    yield* sc.args ?? [];
    yield* Object.values(sc.env ?? {});
    yield* sc.preStop ?? [];
  }
}

/**
 * The plan as the task runs it: references left for the task's start are filled in and the
 * template form becomes plain text. Plans without `templated` are returned as they are. Throws
 * UnresolvedReference when a value is missing (the scheduler checks before the task is due).
 */
export function resolvePlan(plan: TaskPlan, lookup: (path: string[]) => Value | undefined): TaskPlan {
  if (!plan.templated) return plan;
  const r = (s: string) => render(s, lookup, true);
  const { templated: _templated, ...rest } = plan;
  return {
    ...rest,
    command: plan.command.map(r),
    localCommand: plan.localCommand?.map(r) ?? null,
    env: Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, r(v)])),
    ...(plan.sidecars ? { sidecars: plan.sidecars.map((sc) => mapSidecarStrings(sc, r)) } : {}),
  };
}

/** A sidecar with `f` applied to each of its strings that may hold references (image, argv, env, preStop). */
export function mapSidecarStrings<S extends TemplateSidecar>(sc: S, f: (s: string) => string): S {
  return {
    ...sc,
    image: f(sc.image),
    ...(sc.command ? { command: sc.command.map(f) } : {}),
    ...(sc.args ? { args: sc.args.map(f) } : {}),
    ...(sc.env ? { env: Object.fromEntries(Object.entries(sc.env).map(([k, v]) => [k, f(v)])) } : {}),
    ...(sc.preStop ? { preStop: sc.preStop.map(f) } : {}),
  };
}

export { UnresolvedReference };
