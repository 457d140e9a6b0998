/**
 * What the test cluster is given for tests: kwok's configuration and stages, the fake node, and
 * the annotations and kwok Logs/ClusterLogs objects with which a test decides how its pods end
 * and what they log.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { CLUSTER_DIR } from "./build";

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

/** The stage files under test/cluster/kwok/stages, in a stable order. */
function stageFiles(): string[] {
  const dir = path.join(CLUSTER_DIR, "kwok/stages");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Extra flags per control-plane component, e.g. `{ "kube-controller-manager": { "kube-api-qps": "100" } }`. */
export type ComponentArgs = Record<string, Record<string, string>>;

/**
 * The kwokctl --config: bind to loopback only, and our stages (kwok's defaults are dropped as
 * soon as the config names any Stage, so the node and pod stages we need are copied in).
 */
export function kwokConfig(componentArgs: ComponentArgs = {}): string {
  const patches = Object.entries(componentArgs).flatMap(([name, args]) => [
    `- name: ${name}`,
    "  extraArgs:",
    ...Object.entries(args).flatMap(([key, value]) => [`  - key: ${key}`, `    value: ${JSON.stringify(value)}`]),
  ]);
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
      ...(patches.length ? ["componentsPatches:", ...patches] : []),
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

export const NODE_NAME = "kwok-node-0";

/** What every cluster starts with: the node, and a log file for containers no Logs object names. */
export function baseFixtures(defaultLog: string) {
  return {
    apiVersion: "v1",
    kind: "List",
    items: [nodeManifest(NODE_NAME), clusterLogsManifest("gantry-default", {}, [{ file: defaultLog }])],
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
