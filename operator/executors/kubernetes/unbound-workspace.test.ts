import { describe, expect, it } from "vitest";
import type { BuildJob, BuildJobStatus } from "./buildjob-schema";
import { SUCCEEDED } from "./status";
import { storageProblem, unboundVolumes } from "./unbound-workspace";

const bj = {
  spec: { workspace: { type: "PersistentVolumeClaim", claimName: "gantry-ws-abc" }, cache: { claimName: "gantry-cache-web" } },
} as unknown as BuildJob;
const job = { metadata: { creationTimestamp: new Date("2026-01-01T00:00:00Z") } };
const pending = (reason: string, message: string): BuildJobStatus => ({
  phase: "Pending",
  message,
  conditions: [{ type: SUCCEEDED, status: "Unknown", reason, message, lastTransitionTime: "2026-01-01T00:00:00Z" }],
});
const UNBOUND = "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available";
const at = (s: number) => new Date(Date.parse("2026-01-01T00:00:00Z") + s * 1000);

describe("unboundVolumes", () => {
  it("looks again when the limit comes, then fails naming the claims and what to set", () => {
    expect(unboundVolumes(bj, job, pending("Unschedulable", UNBOUND), at(20))).toEqual({ recheckInMs: 40_100 });
    const r = unboundVolumes(bj, job, pending("Unschedulable", UNBOUND), at(61));
    expect(r).toEqual({
      failure: expect.stringMatching(
        /^the task's volumes \(PersistentVolumeClaim gantry-ws-abc, gantry-cache-web\) are still unbound after 60s: .*GANTRY_KUBE_STORAGE_CLASS.*GANTRY_KUBE_WORKSPACE=emptyDir/,
      ),
    });
    expect(unboundVolumes(bj, job, pending("Unschedulable", UNBOUND), at(61), { storageClassName: "fast" })).toEqual({
      failure: expect.stringContaining("StorageClass 'fast' (GANTRY_KUBE_STORAGE_CLASS) did not provide a volume"),
    });
  });

  it("leaves other waits alone: no node with enough memory, an image pull, a running pod", () => {
    expect(unboundVolumes(bj, job, pending("Unschedulable", "0/3 nodes are available: 3 Insufficient memory."), at(600))).toBeNull();
    expect(unboundVolumes(bj, job, pending("ImagePullBackOff", "unbound PersistentVolumeClaim"), at(600))).toBeNull();
    expect(unboundVolumes(bj, job, { phase: "Running", conditions: [] } as BuildJobStatus, at(600))).toBeNull();
  });
});

describe("storageProblem", () => {
  const api = (items: object[] | Error) => ({
    get: async <T>() => {
      if (items instanceof Error) throw items;
      return { items } as T;
    },
  });
  const cls = (name: string, isDefault = false) => ({
    metadata: { name, annotations: isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} },
  });

  it("says what to set when no StorageClass is the default, or the configured one is missing", async () => {
    expect(await storageProblem(api([]), { workspace: "pvc" })).toMatch(
      /^the cluster has no default StorageClass, so .* set GANTRY_KUBE_STORAGE_CLASS .*\(after installing a provisioner\), or GANTRY_KUBE_WORKSPACE=emptyDir/,
    );
    expect(await storageProblem(api([cls("slow")]), { workspace: "pvc" })).toContain("(it has: slow)");
    expect(await storageProblem(api([cls("slow")]), { workspace: "pvc", storageClassName: "fast" })).toContain(
      "GANTRY_KUBE_STORAGE_CLASS is 'fast', which the cluster does not have (it has: slow)",
    );
  });

  it("is content with a default or the configured class, with emptyDir workspaces, and when it may not look", async () => {
    expect(await storageProblem(api([cls("standard", true)]), { workspace: "pvc" })).toBeNull();
    expect(await storageProblem(api([cls("fast")]), { workspace: "pvc", storageClassName: "fast" })).toBeNull();
    expect(await storageProblem(api([]), { workspace: "emptyDir" })).toBeNull();
    expect(await storageProblem(api(new Error("forbidden")), { workspace: "pvc" })).toBeNull();
  });
});
