/**
 * Tekton Pipelines as the peer benchmark drives it: its CRDs, RBAC and config maps from the
 * module's config/ applied server-side, its controller run as a process on this machine against
 * the cluster (no admission webhook: see docs/benchmarks.md), PipelineRuns created over the API
 * and their end seen by a watch (status.completionTime has whole seconds only).
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import type { KubeApi } from "@/operator/executors/kubernetes/kube-api";
import { portFree, step } from "../../scripts/lib/proc";
import { ROOT } from "../../scripts/lib/stack";
import { TEKTON_VERSION } from "../../scripts/lib/tools/tekton";
import { watch, type KubeObject } from "../lib/kube-bench";
import type { Kind, RunSystem } from "./harness";

export const TEKTON_NAMESPACE = "tekton-pipelines";

/**
 * What of config/ is installed: namespace, RBAC, CRDs and the config maps the controller reads.
 * Left out: the controller, webhook and events Deployments (the controller runs here as a
 * process), the webhook configurations and HPA, and the resolvers (the pipelines are local).
 */
export function tektonManifests(configDir: string): string[] {
  const skip = new Set(["controller.yaml", "webhook.yaml", "500-webhooks.yaml", "events.yaml", "webhook-hpa.yaml"]);
  const files = (dir: string) =>
    readdirSync(path.join(configDir, dir))
      .filter((f) => f.endsWith(".yaml") && !skip.has(f))
      .sort()
      .map((f) => path.join(configDir, dir, f));
  return [...files("100-namespace"), ...files("."), ...files("300-crds")];
}

export async function installTekton(kubectl: (args: string[], input?: string) => Promise<string>, configDir: string) {
  step(`installing Tekton Pipelines ${TEKTON_VERSION}: CRDs, RBAC and config maps (server-side apply)…`);
  for (const f of tektonManifests(configDir))
    await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager", "gantry-bench-peer", "-f", f]);
  await kubectl(["wait", "--for", "condition=established", "--timeout", "60s", "crd", "-l", "app.kubernetes.io/part-of=tekton-pipelines"]);
}

/** The documented tuning (docs/tekton-controller-performance-configuration.md), as flags. */
export const TEKTON_TUNED_FLAGS = ["-kube-api-qps", "50", "-kube-api-burst", "50", "-threads-per-controller", "32"];

export interface TektonSystem extends RunSystem {
  stop: () => Promise<void>;
}

/** Image references the pods carry; kwok never pulls them. */
const IMAGES = {
  "-entrypoint-image": "ghcr.io/tektoncd/pipeline/entrypoint:" + TEKTON_VERSION,
  "-nop-image": "ghcr.io/tektoncd/pipeline/nop:" + TEKTON_VERSION,
  "-sidecarlogresults-image": "ghcr.io/tektoncd/pipeline/sidecarlogresults:" + TEKTON_VERSION,
  "-workingdirinit-image": "ghcr.io/tektoncd/pipeline/workingdirinit:" + TEKTON_VERSION,
  "-shell-image": "cgr.dev/chainguard/busybox",
  "-shell-image-win": "mcr.microsoft.com/powershell:nanoserver",
};

/** The same work as Gantry's shell template: its image, `bash -eo pipefail -c true`. */
function taskSpec() {
  return { steps: [{ name: "run", image: "debian:bookworm-slim", command: ["bash", "-eo", "pipefail", "-c", "true"] }] };
}

function pipelines(namespace: string) {
  const meta = (name: string) => ({ name, namespace });
  const stage1 = ["a1", "a2", "a3"];
  return [
    {
      apiVersion: "tekton.dev/v1",
      kind: "Pipeline",
      metadata: meta("bench-steady"),
      spec: {
        tasks: [
          ...stage1.map((name) => ({ name, taskSpec: taskSpec() })),
          ...["b1", "b2", "b3"].map((name) => ({ name, runAfter: stage1, taskSpec: taskSpec() })),
        ],
      },
    },
    {
      apiVersion: "tekton.dev/v1",
      kind: "Pipeline",
      metadata: meta("bench-burst"),
      spec: { tasks: [{ name: "t", taskSpec: taskSpec() }] },
    },
  ];
}

/**
 * A free port below 32768: knative's metrics code parses METRICS_PROMETHEUS_PORT as a signed
 * 16-bit number, and with a higher one Tekton runs without its Prometheus exporter.
 */
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await portFree(port)) return port;
  }
}

export async function startTekton(o: {
  api: KubeApi;
  kubeconfig: string;
  binary: string;
  namespace: string;
  tuned: boolean;
}): Promise<TektonSystem> {
  const prPath = `/apis/tekton.dev/v1/namespaces/${o.namespace}/pipelineruns`;
  for (const p of pipelines(o.namespace)) await o.api.create(`/apis/tekton.dev/v1/namespaces/${o.namespace}/pipelines`, p);

  const variant = o.tuned ? "tuned" : "defaults";
  const logDir = path.join(ROOT, ".gantry/bench-peer");
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `tekton-controller-${variant}.log`);
  step(`starting the Tekton controller (${variant}; log in ${path.relative(process.cwd(), logFile)})…`);
  const args = ["-kubeconfig", o.kubeconfig, ...Object.entries(IMAGES).flat(), ...(o.tuned ? TEKTON_TUNED_FLAGS : [])];
  // The Deployment's environment (config/controller.yaml), with ports of our own: this machine
  // is shared, and the defaults (8080, 9090, 8008) may be taken.
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    SYSTEM_NAMESPACE: TEKTON_NAMESPACE,
    KUBERNETES_MIN_VERSION: "v1.28.0",
    CONFIG_DEFAULTS_NAME: "config-defaults",
    CONFIG_LOGGING_NAME: "config-logging",
    CONFIG_OBSERVABILITY_NAME: "config-observability",
    CONFIG_FEATURE_FLAGS_NAME: "feature-flags",
    CONFIG_LEADERELECTION_NAME: "config-leader-election-controller",
    CONFIG_SPIRE: "config-spire",
    METRICS_DOMAIN: "tekton.dev/pipeline",
    PROBES_PORT: String(await freeLowPort()),
    METRICS_PROMETHEUS_PORT: String(await freeLowPort()),
    PROFILING_PORT: String(await freeLowPort()),
  };
  const child = spawn(o.binary, args, { env: env as unknown as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  const out = createWriteStream(logFile);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<void>((r) => child.on("exit", () => r()));

  const done = new Map<string, { at: number; ok: boolean }>();
  const ac = new AbortController();
  void watch(o.api, prPath, ac.signal, (_type, pr: KubeObject) => {
    const name = pr.metadata?.name;
    const c = pr.status?.conditions?.find((x) => x.type === "Succeeded");
    if (name && c && c.status !== "Unknown" && !done.has(name)) done.set(name, { at: Date.now(), ok: c.status === "True" });
  });

  const stop = async () => {
    ac.abort();
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(t);
    }
    out.end();
  };
  let n = 0;
  const prefix = `${variant}-${Date.now().toString(36)}`;
  return {
    label: o.tuned ? "Tekton (tuned)" : "Tekton (defaults)",
    pid: child.pid!,
    tasksPerRun: (kind: Kind) => (kind === "steady" ? 6 : 1),
    submit: async (kind: Kind) => {
      if (child.exitCode !== null) throw new Error(`the Tekton controller exited (${child.exitCode}); see ${logFile}`);
      const name = `${prefix}-${kind}-${n++}`;
      await o.api.create(prPath, {
        apiVersion: "tekton.dev/v1",
        kind: "PipelineRun",
        metadata: { name, namespace: o.namespace },
        spec: { pipelineRef: { name: `bench-${kind}` } },
      });
      return name;
    },
    runOfPod: (pod) => pod.metadata?.labels?.["tekton.dev/pipelineRun"],
    finished: async (keys, deadline) => {
      while (Date.now() < deadline && !keys.every((k) => done.has(k))) {
        if (child.exitCode !== null) throw new Error(`the Tekton controller exited (${child.exitCode}); see ${logFile}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      return new Map(keys.filter((k) => done.has(k)).map((k) => [k, done.get(k)!]));
    },
    stop,
  };
}
