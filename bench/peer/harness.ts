/**
 * One phase of the peer benchmark (bench/peer.ts) for one system: runs submitted at a rate or
 * all at once, and what it cost: submit → first pod and → finished per run, the apiserver's
 * requests (every client's: the controller's, the Job controller's, kwok's and the scheduler's),
 * the controller's CPU time and peak RSS, the control plane's CPU time and the load average.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { KubeApi } from "@/operator/executors/kubernetes/kube-api";
import { apiserverRequests, cpuSeconds, pct, sampleRss, watch, type KubeObject, type RequestCount } from "../lib/kube-bench";

export type Kind = "steady" | "burst";

/** A CI system under test, as the harness drives it. */
export interface RunSystem {
  /** Column label, e.g. "Tekton (tuned)". */
  label: string;
  /** The controller process measured (CPU, RSS). */
  pid: number;
  /** Tasks per run of this kind (6 for steady, 1 for burst). */
  tasksPerRun: (kind: Kind) => number;
  /** Submits one run; resolves with its key when the submitting call has returned. */
  submit: (kind: Kind, i: number) => Promise<string>;
  /** The key of the run a pod belongs to, if it is one of this system's. */
  runOfPod: (pod: KubeObject) => string | undefined;
  /** When each run finished (ms since the epoch) and how, once all have or the deadline passed. */
  finished: (keys: string[], deadline: number) => Promise<Map<string, { at: number; ok: boolean }>>;
}

export interface PhaseResult {
  kind: Kind;
  runs: number;
  tasks: number;
  succeeded: number;
  failed: number;
  unfinished: number;
  /** Seconds from the first submit to the last submit's return. */
  submitSeconds: number;
  firstPod: { p50: number; p99: number };
  finish: { p50: number; p99: number };
  /** The pods' own lives (the cluster's part: scheduler, kwok): created → Running, Running → ended. */
  podStart: { p50: number; p99: number };
  podRun: { p50: number; p99: number };
  /** Seconds from the first submit to the last run finished. */
  makespan: number;
  /** apiserver requests per task by verb, and in all. */
  requestsPerTask: Record<string, number>;
  requestsPerTaskTotal: number;
  /** The busiest resources' requests per task ("POST pods"), for the profile. */
  topRequests: [string, number][];
  controllerCpuSeconds: number;
  controlPlaneCpuSeconds: number;
  peakRssMiB: number;
  loadAverage: number;
}

/**
 * Watches pods and keeps, for the runs of the system it follows, each run's first pod time and
 * each pod's created → Running → Succeeded/Failed times: the cluster's share, the same for both.
 */
export class PodClock {
  readonly firstPod = new Map<string, number>();
  readonly pods = new Map<string, { run: string; created: number; running?: number; ended?: number }>();
  private system: RunSystem | null = null;
  constructor(api: KubeApi, podsPath: string, signal: AbortSignal) {
    void watch(api, podsPath, signal, (type, o) => {
      const run = this.system?.runOfPod(o);
      const name = `${o.metadata?.namespace}/${o.metadata?.name}`;
      if (!run) return;
      const now = Date.now();
      if (type === "ADDED" && !this.firstPod.has(run)) this.firstPod.set(run, now);
      const p = this.pods.get(name) ?? { run, created: now };
      const phase = o.status?.phase;
      if (phase === "Running") p.running ??= now;
      if (phase === "Succeeded" || phase === "Failed") p.ended ??= now;
      this.pods.set(name, p);
    });
  }
  follow(system: RunSystem) {
    this.system = system;
  }
}

/** The control plane's processes (apiserver, etcd, controller-manager, scheduler, kwok), by kwokctl's pid files. */
function controlPlanePids(kubeconfig: string): number[] {
  const dir = path.join(path.dirname(kubeconfig), "pids");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => Number(readFileSync(path.join(dir, f), "utf8").trim()))
    .filter((pid) => pid > 0);
}

const sum = (xs: number[]) => xs.filter(Number.isFinite).reduce((a, b) => a + b, 0);

export async function runPhase(o: {
  api: KubeApi;
  kubeconfig: string;
  clock: PodClock;
  system: RunSystem;
  kind: Kind;
  runs: number;
  /** Runs per second; 0 submits them all at once (20 at a time, as fast as they are accepted). */
  rate: number;
  timeoutSeconds: number;
  log: (m: string) => void;
}): Promise<PhaseResult> {
  const { system: sys, kind } = o;
  o.clock.follow(sys);
  const cp = controlPlanePids(o.kubeconfig);
  const reqBefore = await apiserverRequests(o.api);
  const cpuBefore = cpuSeconds(sys.pid);
  const cpBefore = sum(cp.map(cpuSeconds));
  const rss = sampleRss(sys.pid);
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 5000);

  const submitted = new Map<string, number>();
  const start = Date.now();
  if (o.rate > 0) {
    const t0 = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < o.runs; i++) {
      const wait = t0 + (i * 1000) / o.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(sys.submit(kind, i).then((k) => void submitted.set(k, Date.now())));
    }
    await Promise.all(pending);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < o.runs) {
          const k = await sys.submit(kind, next++);
          submitted.set(k, Date.now());
        }
      }),
    );
  }
  const submitSeconds = (Date.now() - start) / 1000;
  o.log(`  ${o.runs} runs submitted in ${submitSeconds.toFixed(1)}s; waiting for them to finish…`);
  const keys = [...submitted.keys()];
  const done = await sys.finished(keys, start + o.timeoutSeconds * 1000);
  // Status writes that trail a run's end (pods' last updates, the Job controller's) belong to it.
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(loadTimer);
  loads.push(os.loadavg()[0]);
  const reqAfter = await apiserverRequests(o.api);
  const peak = rss.stop();

  const tasks = o.runs * sys.tasksPerRun(kind);
  const byVerb: Record<string, number> = {};
  const byResource: Record<string, number> = {};
  for (const [k, n] of requestDiff(reqAfter, reqBefore)) {
    const [verb, resource] = k.split(" ");
    byVerb[verb] = (byVerb[verb] ?? 0) + n / tasks;
    byResource[`${verb} ${resource}`] = (byResource[`${verb} ${resource}`] ?? 0) + n / tasks;
  }
  // A run without a pod or an end by the deadline counts as infinitely late, not as absent.
  const firstPod = keys.map((k) => (o.clock.firstPod.get(k) ?? Infinity) - submitted.get(k)!);
  const finish = keys.map((k) => (done.get(k)?.at ?? Infinity) - submitted.get(k)!);
  const runs = new Set(keys);
  const pods = [...o.clock.pods.values()].filter((p) => runs.has(p.run));
  const podStart = pods.map((p) => (p.running ?? NaN) - p.created);
  const podRun = pods.map((p) => (p.ended ?? NaN) - (p.running ?? NaN));
  const lastDone = Math.max(...[...done.values()].map((d) => d.at));
  const oks = [...done.values()].filter((d) => d.ok).length;
  return {
    kind,
    runs: o.runs,
    tasks,
    succeeded: oks,
    failed: done.size - oks,
    unfinished: keys.length - done.size,
    submitSeconds,
    firstPod: { p50: pct(firstPod, 50), p99: pct(firstPod, 99) },
    finish: { p50: pct(finish, 50), p99: pct(finish, 99) },
    podStart: { p50: pct(podStart, 50), p99: pct(podStart, 99) },
    podRun: { p50: pct(podRun, 50), p99: pct(podRun, 99) },
    makespan: done.size === keys.length ? (lastDone - start) / 1000 : Infinity,
    requestsPerTask: byVerb,
    requestsPerTaskTotal: sum(Object.values(byVerb)),
    topRequests: Object.entries(byResource)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8),
    controllerCpuSeconds: cpuSeconds(sys.pid) - cpuBefore,
    controlPlaneCpuSeconds: sum(cp.map(cpuSeconds)) - cpBefore,
    peakRssMiB: peak / 1024,
    loadAverage: sum(loads) / loads.length,
  };
}

/** Requests made between two scrapes, keyed "VERB resource[/sub]". */
function requestDiff(after: RequestCount[], before: RequestCount[]): [string, number][] {
  const key = (c: RequestCount) => `${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ""}`;
  const n = new Map<string, number>();
  for (const c of after) n.set(key(c), (n.get(key(c)) ?? 0) + c.n);
  for (const c of before) n.set(key(c), (n.get(key(c)) ?? 0) - c.n);
  return [...n].filter(([, v]) => v > 0);
}
