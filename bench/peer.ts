/**
 * `npm run bench:peer`: Gantry and Tekton Pipelines side by side on the kwok test cluster
 * (docs/benchmarks.md, "Peer benchmark"). The same workload goes through each system in turn,
 * each in a namespace of its own and alone on the cluster: Gantry (a real operator in Kubernetes
 * mode), Tekton's controller with its shipped defaults, then with its documented tuning. Pods
 * live through the same kwok stages for both (Running at once, Succeeded 1 s later).
 *
 * 1. Steady load: BENCH_PEER_RUNS (600) runs at BENCH_PEER_RATE (5) runs/s, each 2 stages × 3
 *    tasks (Tekton: a Pipeline of 6 tasks, `runAfter` for the stage order).
 * 2. Burst: BENCH_PEER_BURST (1,000) single-task runs submitted at once.
 *
 * BENCH_PEER_SYSTEMS picks systems (gantry,tekton,tekton-tuned); BENCH_PEER_TIMEOUT (900 s) bounds
 * each phase. BENCH_PEER_KCM_QPS starts the bench's cluster with kube-controller-manager's client
 * QPS and burst raised to that (Gantry's Jobs become pods there). The figures go to the terminal,
 * .gantry/bench-peer/results-<variant>.json and, unless
 * BENCH_PEER_DOCS=0, docs/benchmarks.md and docs/benchmarks-peer.svg; BENCH_PEER_REPORT_ONLY=1
 * rewrites those two from the saved results without running anything.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeApi, paths } from "@/operator/executors/kubernetes/kube-api";
import { versions } from "../scripts/lib/cluster/build";
import type { ComponentArgs } from "../scripts/lib/cluster/fixtures";
import { kubectlFor, startCluster } from "../scripts/lib/cluster/lifecycle";
import { ok, step } from "../scripts/lib/proc";
import { ROOT } from "../scripts/lib/stack";
import { ensureTektonController, TEKTON_VERSION } from "../scripts/lib/tools/tekton";
import { runBench, untilNoNamespaceTerminates, type CleanUps } from "./lib/kube-bench";
import { GANTRY_CONCURRENCY, startGantry } from "./peer/gantry";
import { PodClock, runPhase, type RunSystem } from "./peer/harness";
import { svg, text, writeDoc, type Report, type SystemResult } from "./peer/report";
import { installTekton, startTekton, TEKTON_TUNED_FLAGS } from "./peer/tekton";

const RUNS = Number(process.env.BENCH_PEER_RUNS ?? 600);
const RATE = Number(process.env.BENCH_PEER_RATE ?? 5);
const BURST = Number(process.env.BENCH_PEER_BURST ?? 1000);
const TIMEOUT = Number(process.env.BENCH_PEER_TIMEOUT ?? 900);
/** kube-controller-manager's client QPS and burst (Kubernetes' defaults: 20 and 30), for a cluster of the bench's own. */
const KCM_QPS = process.env.BENCH_PEER_KCM_QPS;
const SYSTEMS = (process.env.BENCH_PEER_SYSTEMS ?? "gantry,tekton,tekton-tuned").split(",").map((s) => s.trim());

const cleanups: CleanUps = [];

const log = (m: string) => (m.startsWith("  ") ? console.log(m) : step(m));

async function main() {
  const outDir = path.join(ROOT, ".gantry/bench-peer");
  if (process.env.BENCH_PEER_REPORT_ONLY) return writeDocs(outDir, null);
  for (const s of SYSTEMS)
    if (!["gantry", "tekton", "tekton-tuned"].includes(s))
      throw new Error(`BENCH_PEER_SYSTEMS: unknown system '${s}' (gantry, tekton, tekton-tuned)`);
  const tekton = SYSTEMS.some((s) => s.startsWith("tekton")) ? await ensureTektonController(log) : "";

  let kubeconfig = process.env.KUBECONFIG;
  if (kubeconfig && KCM_QPS) throw new Error("BENCH_PEER_KCM_QPS needs a cluster of the bench's own: unset KUBECONFIG");
  if (!kubeconfig) {
    const componentArgs: ComponentArgs = KCM_QPS
      ? { "kube-controller-manager": { "kube-api-qps": KCM_QPS, "kube-api-burst": KCM_QPS } }
      : {};
    const cluster = await startCluster({ name: "gantry-peer", log, componentArgs });
    cleanups.push(() => cluster.stop());
    kubeconfig = cluster.kubeconfig;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = new KubeApi(kc);
  if (tekton) await installTekton(kubectlFor(kubeconfig), path.join(path.dirname(tekton), "config"));

  const ac = new AbortController();
  cleanups.push(() => ac.abort());
  const clock = new PodClock(api, paths.pods(), ac.signal);
  const v = versions();
  const results: SystemResult[] = [];
  const variant = KCM_QPS ? `kcm-qps-${KCM_QPS}` : "default";
  const report = (): Report => ({
    variant,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}, Node ${process.versions.node}`,
    cluster: `kwok test cluster: Kubernetes v${v.kubernetes}, etcd v${v.etcd}, kwok v${v.kwok}, one fake node; pods Running at once and Succeeded 1 s later; kube-controller-manager's client QPS/burst ${KCM_QPS ? `${KCM_QPS}/${KCM_QPS}` : "20/30 (defaults)"}`,
    sizes: { runs: RUNS, rate: RATE, burst: BURST },
    systems: results,
  });
  mkdirSync(outDir, { recursive: true });

  for (const which of SYSTEMS) {
    await untilNoNamespaceTerminates(api);
    const ns = `peer-${which}-${randomBytes(3).toString("hex")}`;
    await api.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    await untilDefaultServiceAccount(api, ns);
    const system =
      which === "gantry"
        ? await startGantry({ kubeconfig, namespace: ns })
        : await startTekton({ api, kubeconfig, binary: tekton, namespace: ns, tuned: which === "tekton-tuned" });
    try {
      step(`${system.label}: one run to warm up…`);
      await warmUp(system);
      const label = KCM_QPS ? `${system.label}, kcm QPS ${KCM_QPS}` : system.label;
      const result: SystemResult = {
        label,
        date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        version: versionOf(which),
        settings: settingsOf(which),
        phases: {},
      };
      step(`${system.label}: steady load, ${RUNS} runs at ${RATE}/s…`);
      result.phases.steady = await runPhase({
        api,
        kubeconfig,
        clock,
        system,
        kind: "steady",
        runs: RUNS,
        rate: RATE,
        timeoutSeconds: TIMEOUT,
        log,
      });
      step(`${system.label}: burst of ${BURST} runs…`);
      result.phases.burst = await runPhase({
        api,
        kubeconfig,
        clock,
        system,
        kind: "burst",
        runs: BURST,
        rate: 0,
        timeoutSeconds: TIMEOUT,
        log,
      });
      results.push(result);
      saveResults(outDir, report());
      console.log(text({ ...report(), systems: [result] }));
    } finally {
      await system.stop();
      step(`deleting namespace ${ns}…`);
      await api.delete(paths.namespace(ns)).catch(() => undefined);
    }
  }
  await untilNoNamespaceTerminates(api);

  const r = report();
  console.log(`\nPeer benchmark (${r.date}; ${r.machine})\n${r.cluster}${text(r)}\n`);
  if (process.env.BENCH_PEER_DOCS !== "0") writeDocs(outDir, saveResults(outDir, r));
}

/**
 * Saves the run's figures, merged into the earlier ones of the same cluster set-up: a system
 * measured again replaces its column, the others stay (each with the date it was measured).
 */
function saveResults(outDir: string, r: Report): Report {
  const file = path.join(outDir, `results-${r.variant}.json`);
  const old = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Report) : null;
  const order = ["Gantry", "Tekton (defaults)", "Tekton (tuned)"];
  const rank = (s: SystemResult) => order.findIndex((o) => s.label.startsWith(o));
  const systems = [...(old?.systems ?? []).filter((s) => !r.systems.some((n) => n.label === s.label)), ...r.systems].sort(
    (a, b) => rank(a) - rank(b),
  );
  const merged = { ...r, systems };
  writeFileSync(file, JSON.stringify(merged, null, 2));
  return merged;
}

/** docs/benchmarks.md's block for this run, and the chart of every cluster set-up measured so far (default first). */
function writeDocs(outDir: string, r: Report | null) {
  const all = readdirSync(outDir)
    .filter((f) => /^results-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(path.join(outDir, f), "utf8")) as Report)
    .sort((a, b) => Number(b.variant === "default") - Number(a.variant === "default") || a.variant.localeCompare(b.variant));
  for (const x of r ? [r] : all) writeDoc(path.join(ROOT, "docs/benchmarks.md"), x);
  writeFileSync(path.join(ROOT, "docs/benchmarks-peer.svg"), svg(all));
  ok(`figures written to docs/benchmarks.md and docs/benchmarks-peer.svg (${all.map((x) => `${x.variant} of ${x.date}`).join(", ")})`);
}

async function untilDefaultServiceAccount(api: KubeApi, ns: string) {
  for (let i = 0; i < 120; i++) {
    const ok = await api.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${ns} got no default service account in 60 s`);
}

/** One single-task run first, so that neither system's first-run costs (caches, JIT) are measured. */
async function warmUp(system: RunSystem) {
  const key = await system.submit("burst", -1);
  const done = await system.finished([key], Date.now() + 180_000);
  if (!done.get(key)?.ok) throw new Error(`${system.label}: the warm-up run did not succeed within 180 s`);
}

function versionOf(which: string): string {
  if (which !== "gantry") return `Tekton Pipelines ${TEKTON_VERSION} (github.com/tektoncd/pipeline, cmd/controller)`;
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
  let commit = "";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    // Not a git checkout: the version alone.
  }
  return `Gantry ${pkg.version}${commit ? ` (${commit})` : ""}`;
}

function settingsOf(which: string): string {
  if (which === "gantry") return `one operator, GANTRY_CONCURRENCY=${GANTRY_CONCURRENCY}, emptyDir workspaces, other settings default`;
  if (which === "tekton") return "as shipped: 2 threads per controller, client QPS/burst 20/20 (5/10 doubled twice in cmd/controller)";
  return `documented tuning: \`${TEKTON_TUNED_FLAGS.join(" ")}\` (QPS/burst 100/100 after doubling)`;
}

runBench("bench:peer", main, cleanups);
