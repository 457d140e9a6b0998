import path from "node:path";
import { clusterUnavailableReason } from "./cluster/build";
import { startCluster } from "./cluster/lifecycle";
import { fail, freePort, ok, step } from "./proc";
import { ROOT, seedSecondDatabase, startApp } from "./stack";

/**
 * For the browser suite's Kubernetes test (e2e/kube-run.spec.ts): a second stack (web app and
 * operator) with GANTRY_EXECUTOR=kubernetes on the test cluster, with its own database on the
 * test MariaDB server, so its operator never takes runs of the main (local-mode) stack. Starts
 * the cluster if the integration suite has not. Returns the environment for Playwright
 * (GANTRY_E2E_KUBE_URL, GANTRY_E2E_KUBE_TOKEN), or nothing when there is no cluster (the test
 * then says it was skipped; with CI=true that fails instead).
 */
export async function startKubeE2eStack(o: {
  /** Admin URL of the test MariaDB server (ends with `/`). */
  adminUrl: string;
  /** The admin password, the same as the main stack's. */
  password: string;
  /** The cluster the integration suite started, if it did. */
  kubeconfig?: string;
  cleanups: (() => Promise<void>)[];
}): Promise<Record<string, string>> {
  let kubeconfig = o.kubeconfig;
  if (!kubeconfig) {
    const no = clusterUnavailableReason();
    if (no) {
      if (process.env.CI === "true") fail(`the Kubernetes browser test cannot run: ${no}`);
      console.warn(`\x1b[33m!\x1b[0m the Kubernetes browser test will be skipped: ${no}`);
      return {};
    }
    step("starting the test Kubernetes control plane for the browser suite…");
    const cluster = await startCluster({ name: "gantry-test", log: (m) => console.log(`  ${m}`) });
    o.cleanups.push(cluster.stop);
    kubeconfig = cluster.kubeconfig;
  }
  const { url, token } = await seedSecondDatabase({
    adminUrl: o.adminUrl,
    name: "gantry_test_kube",
    password: o.password,
    tokenPrefix: "gtr_kube_",
  });
  const port = await freePort();
  step(`starting a Kubernetes-mode stack for the browser suite on port ${port}…`);
  const stack = await startApp({
    databaseUrl: url,
    port,
    quiet: !process.env.GANTRY_TEST_VERBOSE,
    env: {
      GANTRY_EXECUTOR: "kubernetes",
      KUBECONFIG: kubeconfig,
      GANTRY_NAMESPACE: "gantry-e2e",
      // kwok has no volume provisioner: a PVC would never bind.
      GANTRY_KUBE_WORKSPACE: "emptyDir",
      GANTRY_POD_ANNOTATIONS_FROM_ENV: "KWOK_DURATION=gantry.dev/kwok-duration,KWOK_EXIT_CODE=gantry.dev/kwok-exit-code",
      GANTRY_OPERATOR_ID: "e2e-kube",
      GANTRY_WORKSPACES: path.join(ROOT, ".gantry/test-kube-workspaces"),
      LOG_LEVEL: "warn",
      // No metrics port of its own (the main stack's suites test metrics).
      GANTRY_METRICS_PORT: "0",
    },
  });
  o.cleanups.push(stack.stop);
  ok(`Kubernetes-mode stack is up on ${stack.url}`);
  return { GANTRY_E2E_KUBE_URL: stack.url, GANTRY_E2E_KUBE_TOKEN: token };
}
