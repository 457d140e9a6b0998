import { rmSync } from "node:fs";
import { cachedBinaries, kubectlFor, startCluster, type Cluster } from "../scripts/lib/cluster";
import type { OperatorProcess, TestDatabase } from "./executor-helpers";

/** Set-up and tear-down shared by the Kubernetes integration tests (tests/kube-*.test.ts). */

export type Kubectl = (args: string[], input?: string) => Promise<string>;

/**
 * The cluster in KUBECONFIG, else one of the test's own named `gantry-<label>-<pid>`, so that a
 * developer's `npm run cluster:up` cluster is left alone; `own` is set only when it was started here.
 */
export async function testCluster(label: string): Promise<{ own?: Cluster; kubeconfig: string; kubectl: Kubectl }> {
  const env = process.env.KUBECONFIG;
  if (env) return { kubeconfig: env, kubectl: kubectlFor(env, cachedBinaries()?.kubectl ?? "kubectl") };
  const own = await startCluster({ name: `gantry-${label}-${process.pid}`, log: (m) => console.log(m) });
  return { own, kubeconfig: own.kubeconfig, kubectl: own.kubectl };
}

/** Kills the test's operators, deletes its namespaces (without waiting), and stops what it started. */
export async function endKubeTest(o: {
  operators: readonly (OperatorProcess | undefined)[];
  kubectl?: Kubectl;
  namespaces: readonly string[];
  db?: TestDatabase;
  own?: Cluster;
  dir?: string;
}): Promise<void> {
  for (const op of o.operators) {
    if (!op) continue;
    op.kill9();
    await op.exited;
  }
  for (const ns of o.namespaces) await o.kubectl?.(["delete", "namespace", ns, "--wait=false"]).catch(() => {});
  await o.db?.close();
  await o.own?.stop();
  if (o.dir) rmSync(o.dir, { recursive: true, force: true });
}
