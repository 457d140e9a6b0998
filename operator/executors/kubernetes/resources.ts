import type { Resources } from "./buildjob-schema";

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number ("500m" → 0.5, "1Gi" → 1073741824); NaN when it is not one. */
export function quantityValue(q: string): number {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q);
  if (!m) return NaN;
  if (m[2]) return Number(m[1] + m[2]);
  return Number(m[1]) * SUFFIX[m[3] ?? ""];
}

/**
 * Template defaults overlaid with the task's own values, resource by resource. A task that asks
 * for more than the template's default limit gets a limit equal to its request instead of a pod
 * the API server would refuse (a request above its limit is invalid).
 */
export function mergeResources(template: Resources | undefined, task: Resources | undefined): Resources | undefined {
  if (!template && !task) return undefined;
  const requests = { ...template?.requests, ...task?.requests };
  const limits = { ...template?.limits, ...task?.limits };
  for (const [name, req] of Object.entries(task?.requests ?? {})) {
    const limit = limits[name];
    if (limit !== undefined && task?.limits?.[name] === undefined && quantityValue(req) > quantityValue(limit)) limits[name] = req;
  }
  const out: Resources = {};
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}
