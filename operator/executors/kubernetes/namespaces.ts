import type { Logger } from "pino";
import { buildJobCrd, CRD_NAME, CRD_FILE } from "./crd";
import { KubeApiError, paths, type KubeApi } from "./kube-api";
import { MANAGED_BY } from "./names";

/**
 * A project's namespace (DESIGN.md: quota per project), applied server-side so that a second
 * operator or a restart changes nothing: the Pod Security "restricted" label (build pods are
 * made for it; "baseline" where the project allows privileged builds, for uid 0 image builders), and the project's ResourceQuota and LimitRange when its settings have them.
 */
export interface NamespaceSettings {
  /** The Pod Security level enforced: `restricted` unless the project allows privileged builds. */
  podSecurity?: "restricted" | "baseline";
  /** ResourceQuota `spec.hard`, e.g. { "requests.cpu": "8", pods: "50" }. */
  quota?: Record<string, string>;
  /** LimitRange defaults for containers that say nothing. */
  limits?: { default?: Record<string, string>; defaultRequest?: Record<string, string>; max?: Record<string, string> };
}

export const QUOTA_NAME = "gantry-quota";
export const LIMIT_RANGE_NAME = "gantry-limits";

export async function ensureProjectNamespace(api: Pick<KubeApi, "apply">, name: string, settings: NamespaceSettings = {}): Promise<void> {
  const labels = {
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "pod-security.kubernetes.io/enforce": settings.podSecurity ?? "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
  };
  await api.apply(paths.namespace(name), { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
  if (settings.quota && Object.keys(settings.quota).length) {
    await api.apply(paths.resourceQuota(name, QUOTA_NAME), {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: QUOTA_NAME, namespace: name, labels: { "app.kubernetes.io/managed-by": MANAGED_BY } },
      spec: { hard: settings.quota },
    });
  }
  if (settings.limits) {
    await api.apply(paths.limitRange(name, LIMIT_RANGE_NAME), {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: LIMIT_RANGE_NAME, namespace: name, labels: { "app.kubernetes.io/managed-by": MANAGED_BY } },
      spec: { limits: [{ type: "Container", ...settings.limits }] },
    });
  }
}

/**
 * Applies the BuildJob CRD and waits until the API server serves it. Without the permission (a
 * cluster where an administrator installs CRDs) it only checks that the CRD is there.
 */
export async function ensureCrd(api: Pick<KubeApi, "apply" | "get">, log?: Logger, timeoutMs = 30_000): Promise<"applied" | "present"> {
  let outcome: "applied" | "present" = "applied";
  try {
    await api.apply(paths.crd(CRD_NAME), buildJobCrd());
  } catch (e) {
    if (!(e instanceof KubeApiError && e.code === 403)) throw e;
    outcome = "present";
    log?.info(`not allowed to apply the CRD ${CRD_NAME}; expecting an administrator to have applied ${CRD_FILE}`);
  }
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const crd = await api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(paths.crd(CRD_NAME));
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return outcome;
    } catch (e) {
      if (!(e instanceof KubeApiError && (e.code === 404 || e.code === 403))) throw e;
      if (e.code === 403) return outcome;
    }
    if (Date.now() > until) throw new Error(`the CRD ${CRD_NAME} is not established; apply ${CRD_FILE}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
