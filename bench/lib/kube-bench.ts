/**
 * Pieces shared by the Kubernetes benchmarks (bench/kube.ts, bench/peer.ts): watches, the
 * apiserver's request counters, a child process's CPU time and peak RSS, percentiles.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type http from "node:http";
import { createInterface } from "node:readline";
import type { KubeApi } from "@/operator/executors/kubernetes/kube-api";
import { ok, step } from "../../scripts/lib/proc";
import { ROOT } from "../../scripts/lib/stack";

/** The parts of a Kubernetes object the benchmarks look at. */
export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    creationTimestamp?: string;
  };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

/**
 * Waits while a namespace is being deleted (the previous run's, with its burst of 1,000
 * BuildJobs, Jobs and pods): the garbage collector's deletes keep the apiserver and kwok so busy
 * that pods take minutes to run, tasks pile up to GANTRY_CONCURRENCY, and new runs then wait for
 * capacity, which is not what this measures.
 */
export async function untilNoNamespaceTerminates(api: KubeApi) {
  for (let waited = 0; ; waited += 5) {
    const list = await api.get<{ items: { metadata?: { name?: string }; status?: { phase?: string } }[] }>("/api/v1/namespaces");
    const busy = list.items.filter((n) => n.status?.phase === "Terminating").map((n) => n.metadata?.name);
    if (!busy.length) return;
    if (waited % 30 === 0) step(`waiting for namespace${busy.length > 1 ? "s" : ""} ${busy.join(", ")} to be deleted…`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

/** p-th percentile (nearest rank) of the values; NaN ones are left out, Infinity ones count. */
export function pct(xs: number[], p: number): number {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

export function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on("data", (d: Buffer) => parts.push(d));
    res.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    res.on("error", reject);
  });
}

/** A list, then a watch from its resourceVersion, re-opened when it ends; events to `on`. */
export async function watch(api: KubeApi, p: string, signal: AbortSignal, on: (type: string, o: KubeObject) => void) {
  let rv = "";
  while (!signal.aborted) {
    try {
      if (!rv) {
        const list = await api.get<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(p);
        for (const o of list.items) on("ADDED", o);
        rv = list.metadata.resourceVersion;
      }
      const res = await api.stream(p, { watch: true, resourceVersion: rv, allowWatchBookmarks: true }, signal);
      for await (const line of createInterface({ input: res, crlfDelay: Infinity })) {
        if (!line) continue;
        const ev = JSON.parse(line) as { type: string; object: KubeObject & { code?: number } };
        if (ev.type === "ERROR") {
          rv = "";
          break;
        }
        if (ev.object.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
        if (ev.type !== "BOOKMARK") on(ev.type, ev.object);
      }
    } catch (e) {
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface Operator {
  child: ChildProcess;
  registered: Promise<void>;
  stop: () => Promise<void>;
}

/**
 * The operator as a child process: from its sources through tsx by default, or the bundle that
 * `npm start` runs (`node --enable-source-maps .gantry/build/operator.mjs`) when `bundle` names it.
 */
export function startOperator(env: Record<string, string>, bundle?: string): Operator {
  const argv = bundle ? ["--enable-source-maps", bundle] : ["--import", "tsx", "operator/main.ts"];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      LOG_LEVEL: "info",
      ...env,
    } as unknown as NodeJS.ProcessEnv,
  });
  let tail = "";
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  const registered = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (tail.includes('"operator registered"')) {
        clearInterval(t);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`the operator exited:\n${tail.slice(-4000)}`));
      }
    }, 100);
  });
  return {
    child,
    registered,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** CPU time (user + system, seconds) a process has used. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Peak RSS (KiB) of one process, sampled every 100 ms. */
export function sampleRss(pid: number): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // gone
    }
  };
  sample();
  const t = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(t);
      sample();
      return peak;
    },
  };
}

/** One series of the apiserver's `apiserver_request_total`. */
export interface RequestCount {
  verb: string;
  resource: string;
  subresource: string;
  code: string;
  n: number;
}

/** Every series of `apiserver_request_total`, from the apiserver's /metrics. */
export async function apiserverRequests(api: KubeApi): Promise<RequestCount[]> {
  const text = await readAll(await api.stream("/metrics", {}));
  const out: RequestCount[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const label = (k: string) => new RegExp(`[{,]${k}="([^"]*)"`).exec(line)?.[1] ?? "";
    out.push({
      verb: label("verb"),
      resource: label("resource"),
      subresource: label("subresource"),
      code: label("code"),
      n: Number(line.slice(line.lastIndexOf(" ") + 1)),
    });
  }
  return out;
}

/** What a benchmark started, undone in reverse order when it ends, whether it succeeded or not. */
export type CleanUps = (() => Promise<unknown> | unknown)[];

/** Runs a benchmark's main, then its clean-ups, and exits 0 or 1. */
export function runBench(name: string, main: () => Promise<void>, cleanups: CleanUps) {
  const cleanUp = async () => {
    for (const c of cleanups.splice(0).reverse())
      await Promise.resolve(c()).catch((e) => console.error(`clean-up: ${(e as Error).message}`));
  };
  main()
    .then(async () => {
      ok(`${name} done`);
      await cleanUp();
      process.exit(0);
    })
    .catch(async (e) => {
      console.error(`\x1b[31m✗\x1b[0m ${(e as Error).stack ?? e}`);
      await cleanUp();
      process.exit(1);
    });
}
