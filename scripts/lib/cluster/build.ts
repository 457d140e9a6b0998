/**
 * Building the test cluster's binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
 * kubectl, etcd, kwok, kwokctl) from source with Go into a cache directory outside the
 * repository, keyed by the pinned versions, and reusing them when present.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { fmtDuration, goRun, quietLog, which, withLock, type Log } from "../go-build";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
/** The Go modules the binaries are built from, and kwok's stages (fixtures.ts). */
export const CLUSTER_DIR = path.join(ROOT, "test/cluster");

/** kwok is installed with `go install …@version`; Kubernetes and etcd versions come from their go.mod. */
export const KWOK_VERSION = "0.8.0";

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

export { fmtDuration, quietLog, type Log };

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
