/**
 * `npm run cluster:up` / `npm run cluster:down`: the test Kubernetes control plane (see
 * docs/kubernetes-test-cluster.md). `up` builds what is missing, starts the cluster and prints
 * the kubeconfig path as its last line, so that `export KUBECONFIG=$(npm run -s cluster:up | tail -1)`
 * works; `down` stops it and removes its state.
 *
 *   tsx scripts/cluster.ts up [--name NAME]     (default name: $GANTRY_CLUSTER_NAME or "gantry")
 *   tsx scripts/cluster.ts down [--name NAME]
 *   tsx scripts/cluster.ts build                only build the binaries into the cache
 */
import { fail, ok, step } from "./lib/proc";
import { binDir, ensureBinaries, versions } from "./lib/cluster/build";
import { startCluster, stopCluster } from "./lib/cluster/lifecycle";

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const cmd = process.argv[2] ?? "up";
  const name = arg("--name");
  const log = (m: string) => (m.startsWith("  ") ? console.log(m) : step(m));
  const v = versions();
  const t0 = Date.now();
  switch (cmd) {
    case "build": {
      const bins = await ensureBinaries({ log });
      ok(
        `binaries of Kubernetes v${v.kubernetes}, etcd v${v.etcd}, kwok v${v.kwok} in ${bins.dir} (${((Date.now() - t0) / 1000).toFixed(1)}s)`,
      );
      return;
    }
    case "up": {
      step(`test cluster: Kubernetes v${v.kubernetes}, etcd v${v.etcd}, kwok v${v.kwok}; binaries in ${binDir(v)}`);
      const c = await startCluster({ name, log });
      ok(`cluster '${c.name}' is ready (${((Date.now() - t0) / 1000).toFixed(1)}s in all); 'npm run cluster:down' stops it`);
      console.log(`  try: ${c.bins.kubectl} --kubeconfig ${c.kubeconfig} get nodes`);
      // The test cluster has no volume provisioner: per-run workspace volumes would never bind.
      console.log(`  run Gantry on it: GANTRY_EXECUTOR=kubernetes GANTRY_KUBE_WORKSPACE=emptyDir KUBECONFIG=${c.kubeconfig} npm start`);
      console.log(c.kubeconfig);
      return;
    }
    case "down": {
      await stopCluster({ name, log });
      ok(`cluster '${name ?? process.env.GANTRY_CLUSTER_NAME ?? "gantry"}' stopped and removed`);
      return;
    }
    default:
      fail(`unknown command '${cmd}': use up, down or build`);
  }
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
