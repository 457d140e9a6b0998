import { randomBytes, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projects } from "@/server/db/schema";
import { cachedBinaries, kubectlFor, startCluster, type Cluster } from "../scripts/lib/cluster";
import { createTestDatabase, startOperatorProcess, tempDir, waitFor, type OperatorProcess, type TestDatabase } from "./executor-helpers";

/**
 * Project ↔ namespace against the real test control plane: an operator in Kubernetes mode applies
 * each project's namespace with the ResourceQuota and LimitRange of its settings, and a settings
 * change reaches the cluster at the next sync, without a restart.
 */

let own: Cluster | undefined;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const slug = `kp-${randomBytes(3).toString("hex")}`;
const ns = `gantry-${slug}`;

beforeAll(async () => {
  if (process.env.KUBECONFIG) kubectl = kubectlFor(process.env.KUBECONFIG, cachedBinaries()?.kubectl ?? "kubectl");
  else {
    own = await startCluster({ name: `gantry-kp-${process.pid}`, log: (m) => console.log(m) });
    kubectl = own.kubectl;
  }
  t = await createTestDatabase("gantry_kproj");
  workDir = tempDir("kproj");
}, 60 * 60_000);

afterAll(async () => {
  if (op) {
    op.kill9();
    await op.exited;
  }
  await kubectl?.(["delete", "namespace", ns, "--wait=false"]).catch(() => {});
  await t?.close();
  await own?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

const get = async (kind: string, name: string) => JSON.parse(await kubectl(["get", kind, name, "-n", ns, "-o", "json"]));

describe("project namespaces", () => {
  it("applies each project's namespace with its quota and container defaults, and follows changes", async () => {
    const id = randomUUID();
    await t.db.insert(projects).values({ id, slug, name: slug, settings: { quota: { cpu: "4", memory: "8Gi", pods: 20 }, limitRange: { defaultCpu: "500m", defaultMemory: "256Mi" } } });
    op = startOperatorProcess({
      DATABASE_URL: t.url,
      GANTRY_OPERATOR_ID: "kproj",
      GANTRY_WORKSPACES: workDir,
      GANTRY_EXECUTOR: "kubernetes",
      KUBECONFIG: process.env.KUBECONFIG ?? own!.kubeconfig,
      GANTRY_NAMESPACE: `kproj-${randomBytes(2).toString("hex")}`,
      GANTRY_KUBE_WORKSPACE: "emptyDir",
      GANTRY_PROJECT_NAMESPACE_SYNC_SECONDS: "1",
    });
    const quota = await waitFor("the project's ResourceQuota", () => get("resourcequota", "gantry-quota").catch(() => null), 60_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${op!.output().slice(-3000)}`);
    });
    expect(quota.spec.hard).toEqual({ "requests.cpu": "4", "requests.memory": "8Gi", pods: "20" });
    const namespace = JSON.parse(await kubectl(["get", "namespace", ns, "-o", "json"]));
    expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const limits = await get("limitrange", "gantry-limits");
    expect(limits.spec.limits[0]).toMatchObject({ type: "Container", default: { cpu: "500m", memory: "256Mi" } });

    await t.db.update(projects).set({ settings: { quota: { cpu: "6", pods: 30 } } }).where(eq(projects.id, id));
    const changed = await waitFor(
      "the changed quota",
      async () => {
        const q = await get("resourcequota", "gantry-quota");
        return q.spec.hard["requests.cpu"] === "6" ? q : null;
      },
      30_000,
      500,
    );
    expect(changed.spec.hard.pods).toBe("30");
  });
});
