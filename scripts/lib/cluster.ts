/**
 * The test Kubernetes control plane: a real kube-apiserver, kube-controller-manager,
 * kube-scheduler and etcd, built from source with Go, with kwok faking the nodes and the pods'
 * lifecycle (no containers run). See docs/kubernetes-test-cluster.md.
 *
 * - ensureBinaries() builds what is missing into a cache directory outside the repository,
 *   keyed by the pinned versions, and reuses it when present.
 * - startCluster() starts a cluster with `kwokctl create cluster --runtime binary`, every
 *   component pointed at those builds (nothing is downloaded), and returns its kubeconfig.
 * - stopCluster() stops it and removes its state.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const CLUSTER_DIR = path.join(ROOT, "test/cluster");

/** kwok is installed with `go install …@version`; Kubernetes and etcd versions come from their go.mod. */
export const KWOK_VERSION = "0.8.0";

export const ANNOTATIONS = {
  /** How long a pod runs before it finishes (Go duration such as "3s", or an RFC 3339 time). Default 1 s. */
  duration: "gantry.dev/kwok-duration",
  /** Exit code of the failing container; anything but "0" makes the pod fail. */
  exitCode: "gantry.dev/kwok-exit-code",
  /** terminated.reason of the failing container (default "Error"; e.g. "OOMKilled"). */
  reason: "gantry.dev/kwok-reason",
  /** terminated.message of the failing container. */
  message: "gantry.dev/kwok-message",
  /** Only this container fails; the others exit 0. Default: every container fails. */
  container: "gantry.dev/kwok-container",
} as const;

export interface Versions {
  kubernetes: string;
  etcd: string;
  kwok: string;
}

export interface Binaries {
  dir: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  kwokctl: string;
}

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

type Log = (msg: string) => void;
const quietLog: Log = () => {};

// ---------------------------------------------------------------- versions and cache

function goModRequire(file: string, mod: string): string {
  const text = readFileSync(file, "utf8");
  const m = text.match(new RegExp(`^\\s*(?:require\\s+)?${mod.replace(/[./]/g, "\\$&")}\\s+v(\\S+)`, "m"));
  if (!m) throw new Error(`${path.relative(ROOT, file)} does not require ${mod}`);
  return m[1];
}

export function versions(): Versions {
  return {
    kubernetes: goModRequire(path.join(CLUSTER_DIR, "kube/go.mod"), "k8s.io/kubernetes"),
    etcd: goModRequire(path.join(CLUSTER_DIR, "etcd/go.mod"), "go.etcd.io/etcd/server/v3"),
    kwok: KWOK_VERSION,
  };
}

export function cacheRoot(): string {
  return process.env.GANTRY_CLUSTER_CACHE || path.join(os.homedir(), ".cache/gantry/cluster");
}

/** <cache>/<k8s>-<etcd>-<kwok>/bin: one directory per combination of versions. */
export function binDir(v: Versions = versions()): string {
  return path.join(cacheRoot(), `k8s-${v.kubernetes}-etcd-${v.etcd}-kwok-${v.kwok}`, "bin");
}

function binaries(dir: string): Binaries {
  const b = (n: string) => path.join(dir, n);
  return {
    dir,
    kubeApiserver: b("kube-apiserver"),
    kubeControllerManager: b("kube-controller-manager"),
    kubeScheduler: b("kube-scheduler"),
    kubectl: b("kubectl"),
    etcd: b("etcd"),
    kwok: b("kwok"),
    kwokctl: b("kwokctl"),
  };
}

/** The binaries if every one of them is in the cache, else null (nothing is built). */
export function cachedBinaries(): Binaries | null {
  const bins = binaries(binDir());
  const all = [bins.kubeApiserver, bins.kubeControllerManager, bins.kubeScheduler, bins.kubectl, bins.etcd, bins.kwok, bins.kwokctl];
  return all.every((f) => existsSync(f)) ? bins : null;
}

// ---------------------------------------------------------------- building

function which(bin: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * Runs `go <args>` niced (other work shares this machine), counting the packages that `-v`
 * reports and telling progress every 30 s. Output is kept and shown only on failure.
 */
function goRun(what: string, args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; log: Log }): Promise<void> {
  const useNice = which("nice") !== null;
  const cmd = useNice ? "nice" : "go";
  const argv = useNice ? ["-n", "10", "go", ...args] : args;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let packages = 0;
    const tail: string[] = [];
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split("\n")) {
        if (!line) continue;
        if (!line.includes(" ")) packages++; // `-v` prints one import path per package built
        tail.push(line);
        if (tail.length > 60) tail.shift();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const tick = setInterval(() => opts.log(`  ${what}: ${packages} packages compiled, ${fmtDuration(Date.now() - started)}…`), 30_000);
    child.on("error", (e) => {
      clearInterval(tick);
      reject(e);
    });
    child.on("exit", (code, sig) => {
      clearInterval(tick);
      if (code === 0) return resolve();
      reject(
        new Error(`${what}: go ${args.join(" ")} failed (${code ?? sig}) after ${fmtDuration(Date.now() - started)}:\n${tail.join("\n")}`),
      );
    });
  });
}

/** A directory lock, so that two `cluster:up` (or a test and a developer) do not build at once. */
async function withLock<T>(dir: string, log: Log, fn: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(dir), { recursive: true });
  const pidFile = path.join(dir, "pid");
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(pidFile, String(process.pid));
      break;
    } catch {
      let pid = 0;
      try {
        pid = Number(readFileSync(pidFile, "utf8"));
      } catch {}
      let alive = false;
      if (pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {}
      }
      // A lock without a pid file may be one being taken right now; give it a moment.
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (!alive && (pid > 0 || age > 10_000)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`  waiting for another build of the test cluster (pid ${pid || "?"})…`);
      told = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Why a cluster cannot be had here, or null: the binaries are cached, or Go is there to build
 * them. (A Go older than the modules need is reported by the build itself.)
 */
export function clusterUnavailableReason(): string | null {
  if (cachedBinaries()) return null;
  if (which("go")) return null;
  return `Go is not installed and ${binDir()} has no binaries: the test cluster is built from source with Go ≥ 1.26 (docs/kubernetes-test-cluster.md)`;
}

function checkGo(): string {
  const go = which("go");
  if (!go)
    throw new Error("Go is not installed: the test cluster is built from source and needs Go ≥ 1.26 (see docs/kubernetes-test-cluster.md)");
  const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  return r.stdout.trim();
}

/**
 * Builds whatever of the cluster's binaries is missing from the cache. Each group is built into
 * a temporary directory and moved into place only when complete, so an interrupted build leaves
 * nothing half-done behind.
 */
export async function ensureBinaries(opts: { log?: Log } = {}): Promise<Binaries> {
  const log = opts.log ?? quietLog;
  const v = versions();
  const dir = binDir(v);
  const bins = binaries(dir);
  const cached = cachedBinaries();
  if (cached) return cached;

  const goVersion = checkGo();
  mkdirSync(dir, { recursive: true });
  return withLock(path.join(path.dirname(dir), ".build.lock"), log, async () => {
    const tmp = (name: string) => {
      const t = path.join(path.dirname(dir), `.tmp-${name}-${process.pid}`);
      rmSync(t, { recursive: true, force: true });
      mkdirSync(t, { recursive: true });
      return t;
    };
    const install = (from: string, names: string[]) => {
      for (const n of names) renameSync(path.join(from, n), path.join(dir, n));
      rmSync(from, { recursive: true, force: true });
    };

    if (!existsSync(bins.kwok) || !existsSync(bins.kwokctl)) {
      const t0 = Date.now();
      log(`building kwok and kwokctl v${v.kwok} (go install, ${goVersion})…`);
      const out = tmp("kwok");
      await goRun("kwok", ["install", "-v", `sigs.k8s.io/kwok/cmd/kwok@v${v.kwok}`, `sigs.k8s.io/kwok/cmd/kwokctl@v${v.kwok}`], {
        cwd: os.tmpdir(),
        env: { GOBIN: out, GOFLAGS: "-buildvcs=false" },
        log,
      });
      install(out, ["kwok", "kwokctl"]);
      log(`  kwok built in ${fmtDuration(Date.now() - t0)}`);
    }

    if (!existsSync(bins.etcd)) {
      const t0 = Date.now();
      log(`building etcd v${v.etcd}…`);
      const out = tmp("etcd");
      await goRun("etcd", ["build", "-v", "-ldflags", "-s -w", "-o", path.join(out, "etcd"), "go.etcd.io/etcd/server/v3"], {
        cwd: path.join(CLUSTER_DIR, "etcd"),
        log,
      });
      install(out, ["etcd"]);
      log(`  etcd built in ${fmtDuration(Date.now() - t0)}`);
    }

    const kube = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"];
    if (!kube.every((n) => existsSync(path.join(dir, n)))) {
      const t0 = Date.now();
      const [major, minor] = v.kubernetes.split(".");
      log(`building Kubernetes v${v.kubernetes} (${kube.join(", ")}); a cold build takes a long while on 2 cores…`);
      const out = tmp("kube");
      const ldflags = [
        "-s -w",
        `-X k8s.io/component-base/version.gitVersion=v${v.kubernetes}`,
        `-X k8s.io/component-base/version.gitMajor=${major}`,
        `-X k8s.io/component-base/version.gitMinor=${minor}`,
        "-X k8s.io/component-base/version.gitTreeState=clean",
        // client-go's copy of the version, which kubectl reports as its client version
        `-X k8s.io/client-go/pkg/version.gitVersion=v${v.kubernetes}`,
        `-X k8s.io/client-go/pkg/version.gitMajor=${major}`,
        `-X k8s.io/client-go/pkg/version.gitMinor=${minor}`,
      ].join(" ");
      await goRun("kubernetes", ["build", "-v", "-ldflags", ldflags, "-o", out + "/", ...kube.map((n) => `k8s.io/kubernetes/cmd/${n}`)], {
        cwd: path.join(CLUSTER_DIR, "kube"),
        log,
      });
      install(out, kube);
      log(`  Kubernetes built in ${fmtDuration(Date.now() - t0)}`);
    }
    const r = spawnSync(bins.kubeApiserver, ["--version"], { encoding: "utf8" });
    if (!r.stdout.includes(`v${v.kubernetes}`))
      throw new Error(`kube-apiserver --version says '${r.stdout.trim()}', expected v${v.kubernetes}`);
    return bins;
  });
}

// ---------------------------------------------------------------- the cluster

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

/** The stage files under test/cluster/kwok/stages, in a stable order. */
function stageFiles(): string[] {
  const dir = path.join(CLUSTER_DIR, "kwok/stages");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The kwokctl --config: bind to loopback only, and our stages (kwok's defaults are dropped as
 * soon as the config names any Stage, so the node and pod stages we need are copied in).
 */
function kwokConfig(): string {
  const docs = [
    [
      "apiVersion: config.kwok.x-k8s.io/v1alpha1",
      "kind: KwokctlConfiguration",
      "options:",
      "  bindAddress: 127.0.0.1",
      "  runtime: binary",
      // Logs/ClusterLogs as CRDs, so that tests can point a pod's logs at a file at run time.
      "  enableCRDs:",
      "  - Logs",
      "  - ClusterLogs",
    ].join("\n"),
    ...stageFiles().map((f) => readFileSync(f, "utf8").trim()),
  ];
  return docs.join("\n---\n") + "\n";
}

/** One Node that kwok manages (kwok.x-k8s.io/node: fake), big enough for the benchmarks. */
function nodeManifest(name: string) {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/role": "agent",
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
    status: {
      allocatable: { cpu: "64", memory: "256Gi", pods: "5000", "ephemeral-storage": "1Ti" },
      capacity: { cpu: "64", memory: "256Gi", pods: "5000", "ephemeral-storage": "1Ti" },
      phase: "Running",
    },
  };
}

/** A line of container log in the CRI format kwok reads (`<RFC3339Nano> stdout F <text>`). */
export function criLine(text: string, time: Date = new Date(), stream: "stdout" | "stderr" = "stdout"): string {
  return `${time.toISOString()} ${stream} F ${text}\n`;
}

/** Lines of CRI log, 1 ms apart, ending now. */
export function criLog(lines: string[], stream: "stdout" | "stderr" = "stdout"): string {
  const end = Date.now();
  return lines.map((l, i) => criLine(l, new Date(end - (lines.length - 1 - i)), stream)).join("");
}

export interface LogSource {
  /** Containers this file serves; none means every container not named by another entry. */
  containers?: string[];
  /** Absolute path of a file in CRI format (see criLine); it may grow while followed. */
  file: string;
  previousFile?: string;
}

function logsSpec(sources: LogSource[]) {
  return sources.map((s) => ({
    ...(s.containers?.length ? { containers: s.containers } : {}),
    logsFile: s.file,
    ...(s.previousFile ? { previousLogsFile: s.previousFile } : {}),
  }));
}

/** A kwok `Logs` object: the logs of ONE pod (same name and namespace as the pod). */
export function podLogsManifest(namespace: string, pod: string, sources: LogSource[]) {
  return { apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "Logs", metadata: { name: pod, namespace }, spec: { logs: logsSpec(sources) } };
}

/** A kwok `ClusterLogs` object: the logs of every pod in some namespaces (and/or of some pod names). */
export function clusterLogsManifest(name: string, select: { namespaces?: string[]; pods?: string[] }, sources: LogSource[]) {
  const selector = {
    ...(select.namespaces?.length ? { matchNamespaces: select.namespaces } : {}),
    ...(select.pods?.length ? { matchNames: select.pods } : {}),
  };
  return { apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "ClusterLogs", metadata: { name }, spec: { selector, logs: logsSpec(sources) } };
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
    } catch {}
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 200));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
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
export async function startCluster(opts: { name?: string; workdir?: string; log?: Log } = {}): Promise<Cluster> {
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
  writeFileSync(configFile, kwokConfig());

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
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [nodeManifest("kwok-node-0"), clusterLogsManifest("gantry-default", {}, [{ file: defaultLog }])],
      }),
    );

    await waitUntil(
      "the kwok node to be Ready",
      async () =>
        (await kubectl(["get", "node", "kwok-node-0", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"])).trim() === "True",
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
