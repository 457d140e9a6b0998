/**
 * `npm run bench:kube`: the Kubernetes executor against the kwok test cluster
 * (docs/kubernetes-test-cluster.md), with a real operator process in Kubernetes mode.
 *
 * 1. Steady load: runs of a one-task pipeline created at BENCH_KUBE_RATE runs/s (5) for
 *    BENCH_KUBE_SECONDS (120). For each, the time from the run being queued (createRun committed)
 *    to its Job appearing, and to its pod Running, from watch events received by this process
 *    (the objects' creationTimestamps have whole seconds only). Then the Kubernetes API writes the
 *    operator made per task run, from the apiserver's `apiserver_request_total`.
 * 2. Burst: BENCH_KUBE_BURST (1,000) BuildJobs created at once, straight in the cluster (the
 *    controller alone; runs would be held back by GANTRY_CONCURRENCY, 256 at most): the time
 *    until every one has its Job.
 * 3. The operator's peak RSS over both, sampled every 100 ms.
 *
 * Uses the cluster in KUBECONFIG, else starts (and stops) its own; a private MariaDB under
 * .gantry/bench-kube-db (or the server at GANTRY_TEST_DB_ADMIN_URL).
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { inArray, sql } from "drizzle-orm";
import { ACTIVE_STATUSES } from "@/lib/status";
import { runs } from "@/server/db/schema";
import { compileTask } from "@/server/runs/compile";
import { createRun } from "@/server/runs/create-run";
import { getTemplate } from "@/server/templates/catalog";
import { buildJobFor } from "@/operator/executors/kubernetes/build-job";
import { KubeApi, paths } from "@/operator/executors/kubernetes/kube-api";
import { LABEL } from "@/operator/executors/kubernetes/names";
import { KubeConfig } from "@kubernetes/client-node";
import { startCluster, type Cluster } from "../scripts/lib/cluster/lifecycle";
import { step } from "../scripts/lib/proc";
import { ROOT } from "../scripts/lib/stack";
import { createTestPipeline } from "../tests/executor-helpers";
import { benchDatabase } from "./lib/database";
import {
  apiserverRequests,
  cpuSeconds,
  pct,
  runBench,
  sampleRss,
  startOperator,
  untilNoNamespaceTerminates,
  watch,
  type CleanUps,
} from "./lib/kube-bench";

const RATE = Number(process.env.BENCH_KUBE_RATE ?? 5);
const SECONDS = Number(process.env.BENCH_KUBE_SECONDS ?? 120);
const BURST = Number(process.env.BENCH_KUBE_BURST ?? 1000);

const cleanups: CleanUps = [];

async function main() {
  const t0 = Date.now();
  // --- cluster
  let kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) {
    const cluster: Cluster = await startCluster({ name: "gantry-bench", log: (m) => (m.startsWith("  ") ? console.log(m) : step(m)) });
    cleanups.push(() => cluster.stop());
    kubeconfig = cluster.kubeconfig;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = new KubeApi(kc);
  const ns = `bench-${randomBytes(3).toString("hex")}`;

  // --- database
  const { url, db } = await benchDatabase("bench-kube", (fn) => cleanups.push(fn));

  // --- operator (one process: node with tsx as a loader, so its RSS is the operator's)
  step(`starting the operator in Kubernetes mode (namespace ${ns})…`);
  const op = startOperator({
    DATABASE_URL: url,
    KUBECONFIG: kubeconfig,
    GANTRY_EXECUTOR: "kubernetes",
    GANTRY_NAMESPACE: ns,
    GANTRY_KUBE_WORKSPACE: "emptyDir",
    GANTRY_OPERATOR_ID: "bench-kube",
    GANTRY_CONCURRENCY: "256",
    GANTRY_WORKSPACES: path.join(ROOT, ".gantry/bench-kube-workspaces"),
  });
  cleanups.push(() => api.delete(paths.namespace(ns)).catch(() => undefined));
  cleanups.push(() => op.stop());
  if (process.env.BENCH_KUBE_DEBUG) op.child.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
  await op.registered;
  const mem = sampleRss(op.child.pid!);

  // --- watches: when each run's Job appears and its pod runs
  const bjSeen = new Map<string, number>();
  const jobSeen = new Map<string, number>();
  const podRunning = new Map<string, number>();
  const burstJobs = new Set<string>();
  let burstDone: (() => void) | null = null;
  const ac = new AbortController();
  cleanups.push(() => ac.abort());
  void watch(api, paths.jobs(ns), ac.signal, (type, o) => {
    const run = o.metadata?.labels?.[LABEL.run];
    if (type !== "ADDED" || !run) return;
    if (!jobSeen.has(run)) jobSeen.set(run, Date.now());
    if (run.startsWith("burst-")) {
      burstJobs.add(run);
      if (burstJobs.size >= BURST) burstDone?.();
    }
  });
  void watch(api, paths.buildJobs(ns), ac.signal, (type, o) => {
    const run = o.metadata?.labels?.[LABEL.run];
    if (type === "ADDED" && run && !bjSeen.has(run)) bjSeen.set(run, Date.now());
  });
  void watch(api, paths.pods(ns), ac.signal, (type, o) => {
    const run = o.metadata?.labels?.[LABEL.run];
    if (run && (type === "ADDED" || type === "MODIFIED") && o.status?.phase === "Running" && !podRunning.has(run))
      podRunning.set(run, Date.now());
  });
  await new Promise((r) => setTimeout(r, 1000));
  await untilNoNamespaceTerminates(api);

  // --- 1. steady load
  const total = Math.round(RATE * SECONDS);
  step(`steady load: ${total} runs at ${RATE}/s for ${SECONDS}s…`);
  const pipelineId = await createTestPipeline(db, [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }]);
  const writesBefore = await operatorWrites(api);
  const cpuBefore = cpuSeconds(op.child.pid!);
  const queued = new Map<string, number>();
  const start = performance.now();
  const creating: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    creating.push(createRun(db, pipelineId).then((r) => void queued.set(r.id, Date.now())));
  }
  await Promise.all(creating);
  const createdIn = (performance.now() - start) / 1000;
  const cpuDuring = cpuSeconds(op.child.pid!) - cpuBefore;
  step(`all runs created in ${createdIn.toFixed(1)}s; waiting for them to end…`);
  const ids = [...queued.keys()];
  for (;;) {
    const [{ n }] = await db
      .select({ n: sql<number>`count(*)` })
      .from(runs)
      .where(sql`${inArray(runs.id, ids)} and ${inArray(runs.status, [...ACTIVE_STATUSES])}`);
    if (Number(n) === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const byStatus = await db
    .select({ status: runs.status, n: sql<number>`count(*)` })
    .from(runs)
    .where(inArray(runs.id, ids))
    .groupBy(runs.status);
  // Status writes can trail the run's end in MySQL by a moment.
  await new Promise((r) => setTimeout(r, 3000));
  const writesAfter = await operatorWrites(api);
  const writes = diff(writesAfter, writesBefore);
  const writeTotal = Object.values(writes).reduce((a, b) => a + b, 0);
  const toJob = ids.map((id) => (jobSeen.has(id) ? jobSeen.get(id)! - queued.get(id)! : NaN));
  const toBj = ids.map((id) => (bjSeen.has(id) ? bjSeen.get(id)! - queued.get(id)! : NaN));
  const bjToJob = ids.map((id) => (bjSeen.has(id) && jobSeen.has(id) ? jobSeen.get(id)! - bjSeen.get(id)! : NaN));
  if (process.env.BENCH_KUBE_DEBUG) console.log(ids.map((id, i) => `${i}: bj ${toBj[i]} job ${toJob[i]}`).join("\n"));
  const toPod = ids.map((id) => (podRunning.has(id) ? podRunning.get(id)! - queued.get(id)! : NaN));

  // --- 2. burst of BuildJobs
  step(`burst: ${BURST} BuildJobs at once…`);
  const tpl = await getTemplate(db, "shell");
  const plan = compileTask({ name: "t", template: "shell", params: { script: "true" }, env: {}, retries: 0 }, tpl, "task");
  const burstStart = Date.now();
  const allJobs = new Promise<void>((r) => (burstDone = r));
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < BURST) {
        next++;
        const { buildJob } = buildJobFor({
          namespace: ns,
          pipeline: "bench-burst",
          taskRunId: randomUUID(),
          runId: `burst-${randomUUID()}`,
          task: "t",
          stage: "s",
          attempt: 1,
          plan,
          params: {},
          secretParams: [],
          singleTaskRun: true,
        });
        await api.create(paths.buildJobs(ns), buildJob);
      }
    }),
  );
  const postedIn = (Date.now() - burstStart) / 1000;
  const burstTimeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10 * 60_000).unref());
  const burstOutcome = await Promise.race([allJobs.then(() => "done" as const), burstTimeout]);
  const burstSeconds = (Date.now() - burstStart) / 1000;
  const peak = mem.stop();

  // --- report
  const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : "n/a").padStart(9);
  const missingJobs = toJob.filter((x) => !Number.isFinite(x)).length;
  const missingPods = toPod.filter((x) => !Number.isFinite(x)).length;
  const perRun = writeTotal / ids.length;
  const line = (what: string, value: string, aim: string, met: boolean | null) =>
    console.log(`  ${what.padEnd(44)} ${value.padStart(26)}   ${aim.padEnd(12)} ${met === null ? "" : met ? "ok" : "MISSED"}`);
  console.log(`
Gantry Kubernetes benchmark (${new Date().toISOString()}, node ${process.versions.node}, kwok test cluster, ${((Date.now() - t0) / 1000).toFixed(0)} s in all)

steady load: ${ids.length} runs at ${RATE}/s for ${SECONDS}s (created in ${createdIn.toFixed(1)}s); runs ${byStatus.map((s) => `${s.status} ${s.n}`).join(", ")}`);
  line("run queued → Job created   p50", ms(pct(toJob, 50)), "", null);
  line("run queued → Job created   p99", ms(pct(toJob, 99)), "< 250 ms", pct(toJob, 99) < 250);
  line("run queued → Job created   max", ms(pct(toJob, 100)), "", null);
  line("  of which: queued → BuildJob   p50 / p99", `${ms(pct(toBj, 50)).trim()} / ${ms(pct(toBj, 99)).trim()}`, "", null);
  line("  of which: BuildJob → Job     p50 / p99", `${ms(pct(bjToJob, 50)).trim()} / ${ms(pct(bjToJob, 99)).trim()}`, "", null);
  line("run queued → pod Running   p50", ms(pct(toPod, 50)), "", null);
  line("run queued → pod Running   p99", ms(pct(toPod, 99)), "", null);
  if (missingJobs || missingPods) console.log(`  (no Job seen for ${missingJobs} runs, no Running pod for ${missingPods})`);
  line("operator CPU while runs were created", `${((cpuDuring / createdIn) * 100).toFixed(0)} % of a core`, "", null);
  line("API writes per task run", perRun.toFixed(2), "≤ 4", perRun <= 4);
  for (const [k, v] of Object.entries(writes).sort()) console.log(`      ${k.padEnd(40)} ${String(v).padStart(6)}`);
  console.log(`\nburst: ${BURST} BuildJobs created straight in the cluster (POSTs took ${postedIn.toFixed(1)}s)`);
  line(
    "time until every BuildJob has its Job",
    burstOutcome === "done" ? `${burstSeconds.toFixed(1)} s` : `> ${burstSeconds.toFixed(0)} s (${burstJobs.size} Jobs)`,
    "< 180 s",
    burstOutcome === "done" && burstSeconds < 180,
  );
  console.log("");
  line("operator peak RSS (both phases)", `${(peak / 1024).toFixed(0)} MiB`, "", null);
  console.log("");
}

function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) if (v - (b[k] ?? 0) > 0) out[k] = v - (b[k] ?? 0);
  return out;
}

/**
 * Writes of the kinds the operator makes (BuildJobs and their status, Jobs, Secrets, PVCs), from
 * the apiserver's counters, as tests/kube-executor.test.ts counts them. The Job controller's writes
 * (pods, jobs/status) and lease renewals (per operator, not per task run) are not counted.
 */
async function operatorWrites(api: KubeApi): Promise<Record<string, number>> {
  const n: Record<string, number> = {};
  for (const c of await apiserverRequests(api)) {
    if (!["POST", "PUT", "PATCH", "DELETE", "APPLY"].includes(c.verb)) continue;
    const r = c.resource;
    if (!(r === "buildjobs" || (r === "jobs" && c.subresource === "") || r === "secrets" || r === "persistentvolumeclaims")) continue;
    const key = `${c.verb} ${r}${c.subresource ? `/${c.subresource}` : ""} ${c.code}`;
    n[key] = (n[key] ?? 0) + c.n;
  }
  return n;
}

runBench("bench:kube", main, cleanups);
