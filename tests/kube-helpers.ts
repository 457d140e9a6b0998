import { rmSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { cachedBinaries } from "../scripts/lib/cluster/build";
import { kubectlFor, startCluster, type Cluster } from "../scripts/lib/cluster/lifecycle";
import { startOperatorProcess, type OperatorProcess, type TestDatabase } from "./executor-helpers";

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

/** The pod annotations kwok's test stages read: how long the main container runs, and its exit code. */
export const KWOK_ANNOTATIONS = "KWOK_DURATION=gantry.dev/kwok-duration,KWOK_EXIT_CODE=gantry.dev/kwok-exit-code";

/**
 * Starts an operator process with the Kubernetes executor on the test cluster: the one way the
 * kube tests start operators. `env` adds to or overrides the defaults (e.g. a stale period).
 */
export function startKubeOperator(o: {
  databaseUrl: string;
  id: string;
  workspaces: string;
  kubeconfig: string;
  namespace: string;
  env?: Record<string, string>;
}): OperatorProcess {
  return startOperatorProcess({
    DATABASE_URL: o.databaseUrl,
    GANTRY_OPERATOR_ID: o.id,
    GANTRY_WORKSPACES: o.workspaces,
    GANTRY_EXECUTOR: "kubernetes",
    KUBECONFIG: o.kubeconfig,
    GANTRY_NAMESPACE: o.namespace,
    // kwok has no volume provisioner: a PVC would never bind.
    GANTRY_KUBE_WORKSPACE: "emptyDir",
    GANTRY_POD_ANNOTATIONS_FROM_ENV: KWOK_ANNOTATIONS,
    ...o.env,
  });
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

/**
 * A kubeconfig file for a ServiceAccount: the cluster of the admin's kubeconfig (`kubectl`), a
 * bound token from the TokenRequest API, as a pod of that account would have it.
 */
export async function serviceAccountKubeconfig(
  kubectl: Kubectl,
  o: { namespace: string; account: string; file: string; defaultNamespace?: string },
): Promise<string> {
  const admin = JSON.parse(await kubectl(["config", "view", "--raw", "--minify", "--flatten", "-o", "json"])) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  };
  const token = (await kubectl(["create", "token", o.account, "-n", o.namespace, "--duration", "1h"])).trim();
  const context = { cluster: "test", user: o.account, ...(o.defaultNamespace ? { namespace: o.defaultNamespace } : {}) };
  writeFileSync(
    o.file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: admin.clusters[0].cluster }],
      users: [{ name: o.account, user: { token } }],
      contexts: [{ name: o.account, context }],
      "current-context": o.account,
    }),
    { mode: 0o600 },
  );
  return o.file;
}
