/**
 * Starting and stopping the test control plane: `kwokctl create cluster --runtime binary`, every
 * component pointed at the builds of build.ts (nothing is downloaded), a second try when the first
 * fails on a loaded machine, and a clean stop that leaves no process or state behind.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cachedBinaries, ensureBinaries, fmtDuration, quietLog, ROOT, type Binaries, type Log } from "./build";
import { baseFixtures, criLine, kwokConfig, NODE_NAME, type ComponentArgs } from "./fixtures";

export interface Cluster {
  name: string;
  /** Path of the admin kubeconfig (client certificates, https://127.0.0.1:<port>). */
  kubeconfig: string;
  /** KWOK_WORKDIR of this cluster. */
  workdir: string;
  bins: Binaries;
  /** Runs the locally built kubectl against this cluster; resolves with stdout. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Stops the cluster and removes its state. */
  stop(): Promise<void>;
}

/** KWOK_WORKDIR: clusters live in <repo>/.gantry/kwok unless told otherwise. */
export function defaultWorkdir(): string {
  return process.env.KWOK_WORKDIR || path.join(ROOT, ".gantry/kwok");
}

export function kubeconfigPath(name: string, workdir = defaultWorkdir()): string {
  return path.join(workdir, "clusters", name, "kubeconfig.yaml");
}

function exec(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/**
 * A kubectl bound to one kubeconfig (a path, or a KUBECONFIG-style list of paths); the locally
 * built one when it is in the cache. Rejects with kubectl's stderr on a non-zero exit.
 */
export function kubectlFor(kubeconfig: string, kubectl = cachedBinaries()?.kubectl ?? "kubectl") {
  return async (args: string[], input?: string): Promise<string> => {
    const r = await exec(kubectl, args, { input, env: { KUBECONFIG: kubeconfig } });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  };
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

function clusterEnv(bins: Binaries, workdir: string): Record<string, string> {
  // kwokctl looks kubectl up on PATH (and downloads one if it is missing): put ours first.
  return { KWOK_WORKDIR: workdir, PATH: `${bins.dir}${path.delimiter}${process.env.PATH ?? ""}` };
}

/** Stops a cluster and removes its state; quiet when there is none. */
export async function stopCluster(opts: { name?: string; workdir?: string; log?: Log } = {}): Promise<void> {
  const name = opts.name ?? process.env.GANTRY_CLUSTER_NAME ?? "gantry";
  const workdir = opts.workdir ?? defaultWorkdir();
  const log = opts.log ?? quietLog;
  const dir = path.join(workdir, "clusters", name);
  rmSync(path.join(workdir, `${name}.kwok.yaml`), { force: true });
  if (!existsSync(dir)) return;
  const bins = cachedBinaries();
  if (bins) {
    const r = await exec(bins.kwokctl, ["delete", "cluster", "--name", name], { env: clusterEnv(bins, workdir) });
    if (r.code !== 0) log(`kwokctl delete cluster: ${(r.stderr || r.stdout).trim()}`);
  }
  await killLeftovers(dir, log);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Whatever component kwokctl did not stop (it failed, or its binary is gone): by the pid files
 * in the cluster's directory, and only processes whose command line is in that directory, so a
 * recycled pid is never hit.
 */
async function killLeftovers(dir: string, log: Log) {
  const pidsDir = path.join(dir, "pids");
  if (!existsSync(pidsDir)) return;
  const alive = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
    } catch {
      return false;
    }
  };
  const pids = readdirSync(pidsDir)
    .map((f) => Number(readFileSync(path.join(pidsDir, f), "utf8").trim()))
    .filter((pid) => pid > 0 && alive(pid));
  if (pids.length === 0) return;
  log(`stopping left-over cluster processes ${pids.join(", ")}…`);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // It exited since we looked: one fewer to stop.
    }
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 200));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // It exited after all.
    }
  }
}

/** One `kwokctl create cluster`; the failure's output and the components' last log lines, or null. */
async function createCluster(
  bins: Binaries,
  name: string,
  configFile: string,
  env: Record<string, string>,
  dir: string,
): Promise<string | null> {
  const create = await exec(
    bins.kwokctl,
    [
      "create",
      "cluster",
      "--name",
      name,
      "--config",
      configFile,
      "--runtime",
      "binary",
      "--kube-apiserver-binary",
      bins.kubeApiserver,
      "--kube-controller-manager-binary",
      bins.kubeControllerManager,
      "--kube-scheduler-binary",
      bins.kubeScheduler,
      "--kwok-controller-binary",
      bins.kwok,
      "--etcd-binary",
      bins.etcd,
      "--kubeconfig",
      "", // do not touch ~/.kube/config
      "--wait",
      "2m",
      "--quiet-pull",
    ],
    { env },
  );
  if (create.code === 0) return null;
  const logs = ["kube-apiserver", "etcd"].map((c) => {
    const f = path.join(dir, "logs", `${c}.log`);
    return existsSync(f) ? `--- ${c}.log (last lines)\n${readFileSync(f, "utf8").split("\n").slice(-12).join("\n")}` : "";
  });
  return [`${create.stdout}\n${create.stderr}`.trim(), ...logs].filter(Boolean).join("\n");
}

/**
 * Builds what is missing, starts a cluster and waits until it can run pods: the apiserver
 * answers, the kwok node is Ready and the `default` service account exists.
 */
export async function startCluster(
  opts: { name?: string; workdir?: string; log?: Log; componentArgs?: ComponentArgs } = {},
): Promise<Cluster> {
  const name = opts.name ?? process.env.GANTRY_CLUSTER_NAME ?? "gantry";
  const workdir = opts.workdir ?? defaultWorkdir();
  const log = opts.log ?? quietLog;
  const bins = await ensureBinaries({ log });
  const env = clusterEnv(bins, workdir);
  const dir = path.join(workdir, "clusters", name);
  mkdirSync(workdir, { recursive: true });

  if (existsSync(dir)) {
    log(`removing the previous cluster '${name}'…`);
    await stopCluster({ name, workdir, log });
  }

  const configFile = path.join(workdir, `${name}.kwok.yaml`);
  writeFileSync(configFile, kwokConfig(opts.componentArgs));

  const t0 = Date.now();
  // A loaded machine (a build beside it) can keep the apiserver from answering within kwokctl's
  // wait; a second try on a clean slate then succeeds, so one failure is not the end of the run.
  for (let attempt = 1; ; attempt++) {
    log(`starting cluster '${name}' (kwokctl --runtime binary, KWOK_WORKDIR=${path.relative(process.cwd(), workdir) || "."})…`);
    const failure = await createCluster(bins, name, configFile, env, dir);
    if (!failure) break;
    await stopCluster({ name, workdir }).catch(() => {});
    if (attempt >= 2) throw new Error(`kwokctl create cluster failed twice:\n${failure}`);
    log(`kwokctl create cluster failed; trying once more:\n${failure.split("\n").slice(-15).join("\n")}`);
  }
  const kubeconfig = kubeconfigPath(name, workdir);
  const kubectl = kubectlFor(kubeconfig, bins.kubectl);
  const stop = () => stopCluster({ name, workdir, log });
  try {
    await waitUntil("the apiserver", async () => (await kubectl(["get", "--raw", "/readyz"])).trim() === "ok", 60_000);

    // Every pod gets a log of its own file unless a Logs/ClusterLogs object says otherwise.
    const defaultLog = path.join(dir, "default-container.log");
    writeFileSync(defaultLog, criLine("kwok: no Logs or ClusterLogs object gives this container a log file"));
    await waitUntil(
      "kwok's CRDs",
      async () =>
        (await kubectl(["get", "crd", "clusterlogs.kwok.x-k8s.io", "logs.kwok.x-k8s.io", "-o", "name"])).split("\n").filter(Boolean)
          .length === 2,
      30_000,
    );
    await kubectl(["apply", "-f", "-"], JSON.stringify(baseFixtures(defaultLog)));

    await waitUntil(
      "the kwok node to be Ready",
      async () =>
        (await kubectl(["get", "node", NODE_NAME, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"])).trim() === "True",
      60_000,
    );
    await waitUntil(
      "the default service account",
      async () => (await kubectl(["-n", "default", "get", "serviceaccount", "default", "-o", "name"])).trim() !== "",
      60_000,
    );
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  log(`cluster '${name}' is up in ${fmtDuration(Date.now() - t0)}`);
  return { name, kubeconfig, workdir, bins, kubectl, stop };
}
