import type { V1Job } from "@kubernetes/client-node";
import type { BuildJob, BuildJobStatus } from "./buildjob-schema";
import { SUCCEEDED } from "./status";

/** How long a task's pod may wait for its volumes to bind before the task fails saying why. */
export const UNBOUND_LIMIT_MS = 60_000;

/**
 * A pod the scheduler cannot place because its PersistentVolumeClaims are unbound (a cluster
 * with no default StorageClass, or one that cannot provision): waited for until the Job's own
 * deadline, that hides the cause for hours. After `limitMs` from the Job's creation it is a
 * failure with the remedy; before, when to look again. Null when the pod is not waiting on that.
 */
export function unboundVolumes(
  bj: BuildJob,
  job: V1Job | undefined,
  status: BuildJobStatus,
  now: Date,
  o: { limitMs?: number; storageClassName?: string } = {},
): { failure: string } | { recheckInMs: number } | null {
  const cond = status.conditions?.find((c) => c.type === SUCCEEDED);
  if (status.phase !== "Pending" || cond?.reason !== "Unschedulable" || !/unbound.*PersistentVolumeClaim/i.test(status.message ?? ""))
    return null;
  const limit = o.limitMs ?? UNBOUND_LIMIT_MS;
  const since = new Date(job?.metadata?.creationTimestamp ?? now).getTime();
  const waited = now.getTime() - since;
  if (waited < limit) return { recheckInMs: limit - waited + 100 };
  const claims = [bj.spec.workspace.type === "PersistentVolumeClaim" ? bj.spec.workspace.claimName : undefined, bj.spec.cache?.claimName]
    .filter(Boolean)
    .join(", ");
  const remedy = o.storageClassName
    ? `StorageClass '${o.storageClassName}' (GANTRY_KUBE_STORAGE_CLASS) did not provide a volume: check that it exists and can provision`
    : "the cluster has no default StorageClass that can provision one: set GANTRY_KUBE_STORAGE_CLASS to one that can, or GANTRY_KUBE_WORKSPACE=emptyDir (a cluster without storage; tasks of a run then share no files)";
  return {
    failure: `the task's volumes (PersistentVolumeClaim ${claims || "of the run"}) are still unbound after ${Math.round(limit / 1000)}s: ${remedy}`,
  };
}

interface StorageClassList {
  items: { metadata?: { name?: string; annotations?: Record<string, string> } }[];
}

/**
 * At start, with per-run workspace volumes: whether the cluster can give them. Says what to set
 * when there is no default StorageClass (and none configured) or the configured one is missing;
 * null when it looks fine or cannot be told (no right to list StorageClasses).
 */
export async function storageProblem(
  api: { get<T>(p: string): Promise<T> },
  o: { workspace: "pvc" | "emptyDir"; storageClassName?: string },
): Promise<string | null> {
  if (o.workspace !== "pvc") return null;
  let list: StorageClassList;
  try {
    list = await api.get<StorageClassList>("/apis/storage.k8s.io/v1/storageclasses");
  } catch {
    return null;
  }
  const names = list.items.map((c) => c.metadata?.name ?? "").filter(Boolean);
  if (o.storageClassName) {
    return names.includes(o.storageClassName)
      ? null
      : `GANTRY_KUBE_STORAGE_CLASS is '${o.storageClassName}', which the cluster does not have (it has: ${names.join(", ") || "none"}): the runs' workspace volumes will not bind`;
  }
  const isDefault = (c: StorageClassList["items"][number]) =>
    c.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true" ||
    c.metadata?.annotations?.["storageclass.beta.kubernetes.io/is-default-class"] === "true";
  if (list.items.some(isDefault)) return null;
  return (
    `the cluster has no default StorageClass${names.length ? ` (it has: ${names.join(", ")})` : ""}, so the runs' workspace volumes will not bind: ` +
    `set GANTRY_KUBE_STORAGE_CLASS to one that can provision${names.length ? "" : " (after installing a provisioner)"}, or GANTRY_KUBE_WORKSPACE=emptyDir (tasks of a run then share no files)`
  );
}
