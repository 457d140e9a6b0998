import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedBinaries, clusterUnavailableReason } from "../scripts/lib/cluster/build";
import { ANNOTATIONS, criLine, criLog, podLogsManifest } from "../scripts/lib/cluster/fixtures";
import { kubectlFor, startCluster, type Cluster } from "../scripts/lib/cluster/lifecycle";

/**
 * Smoke test of the test control plane (docs/kubernetes-test-cluster.md): a real apiserver,
 * controller-manager (the Job controller) and scheduler, with kwok's stages playing the kubelet.
 * Uses the cluster in KUBECONFIG when given (as `npm test` does), else starts its own.
 */

// Without KUBECONFIG, Go or cached binaries there is no cluster to test: say so and skip,
// except under CI, where a skipped Kubernetes suite must fail the run.
const unavailable = process.env.KUBECONFIG ? null : clusterUnavailableReason();
if (unavailable) {
  if (process.env.CI === "true") throw new Error(`Kubernetes suite cannot run: ${unavailable}`);
  console.warn(`skipping the Kubernetes cluster suite: ${unavailable}`);
}
const suite = unavailable ? describe.skip : describe;

let own: Cluster | undefined;
let kubectl: (args: string[], input?: string) => Promise<string>;
let kubectlBin: string;
let kubeconfig: string;
let logDir: string;
const ns = `kube-smoke-${Date.now().toString(36)}`;

beforeAll(async () => {
  if (unavailable) return;
  if (process.env.KUBECONFIG) {
    kubeconfig = process.env.KUBECONFIG;
    kubectlBin = cachedBinaries()?.kubectl ?? "kubectl";
    kubectl = kubectlFor(kubeconfig, kubectlBin);
  } else {
    // A name of our own, so that a developer's `npm run cluster:up` cluster is left alone.
    own = await startCluster({ name: `gantry-test-${process.pid}`, log: (m) => console.log(m) });
    kubeconfig = own.kubeconfig;
    kubectlBin = own.bins.kubectl;
    kubectl = own.kubectl;
  }
  logDir = mkdtempSync(path.join(os.tmpdir(), "kube-smoke-logs-"));
  // Pods here must pass the "restricted" Pod Security Standard, as Gantry's Jobs do.
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    }),
  );
}, 60 * 60_000); // may build the control plane from nothing

afterAll(async () => {
  await kubectl?.(["delete", "namespace", ns, "--wait=false"]).catch(() => {});
  await own?.stop();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
}, 120_000);

const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

/** A Job shaped like the ones Gantry creates: an init container, a restricted security context. */
function job(name: string, annotations: Record<string, string> = {}) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: ns, labels: { "gantry.dev/run": name } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { "gantry.dev/run": name }, annotations },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
          initContainers: [
            {
              name: "clone",
              image: "alpine/git:2.47",
              args: ["clone", "https://example.invalid/repo.git", "/workspace"],
              securityContext: restricted,
              volumeMounts: [{ name: "workspace", mountPath: "/workspace" }],
            },
          ],
          containers: [
            {
              name: "main",
              image: "busybox:1.37",
              command: ["sh", "-c", "make test"],
              securityContext: restricted,
              volumeMounts: [{ name: "workspace", mountPath: "/workspace" }],
            },
          ],
          volumes: [{ name: "workspace", emptyDir: {} }],
        },
      },
    },
  };
}

async function get<T = any>(kind: string, name: string): Promise<T> {
  return JSON.parse(await kubectl(["-n", ns, "get", kind, name, "-o", "json"]));
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

function jobCondition(j: any, type: string) {
  return (j.status?.conditions ?? []).find((c: any) => c.type === type && c.status === "True");
}

async function podOf(jobName: string): Promise<any> {
  return waitFor(`a pod of job ${jobName}`, async () => {
    const list = JSON.parse(await kubectl(["-n", ns, "get", "pods", "-l", `job-name=${jobName}`, "-o", "json"]));
    return list.items[0];
  });
}

suite("test Kubernetes cluster (kwok)", () => {
  it("runs a Job to completion; the pod runs for the annotated duration", async () => {
    await kubectl(["apply", "-f", "-"], JSON.stringify(job("ok", { [ANNOTATIONS.duration]: "3s" })));
    const j = await waitFor("job ok to complete", async () => {
      const j = await get("job", "ok");
      return jobCondition(j, "Complete") ? j : undefined;
    });
    expect(j.status.succeeded).toBe(1);
    const pod = await podOf("ok");
    expect(pod.status.phase).toBe("Succeeded");
    const main = pod.status.containerStatuses.find((c: any) => c.name === "main");
    expect(main.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const ran = (Date.parse(main.state.terminated.finishedAt) - Date.parse(main.state.terminated.startedAt)) / 1000;
    // timestamps have whole seconds: 3 s (no jitter) shows as 2–4 s
    expect(ran).toBeGreaterThanOrEqual(2);
    expect(ran).toBeLessThanOrEqual(4);
    expect(pod.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  it("a pod without annotations runs about a second and succeeds", async () => {
    await kubectl(["apply", "-f", "-"], JSON.stringify(job("plain")));
    await waitFor("job plain to complete", async () => jobCondition(await get("job", "plain"), "Complete"), 20_000);
  });

  it("fails a Job with the annotated exit code: BackoffLimitExceeded", async () => {
    await kubectl(["apply", "-f", "-"], JSON.stringify(job("bad", { [ANNOTATIONS.exitCode]: "2" })));
    const failed = await waitFor("job bad to fail", async () => jobCondition(await get("job", "bad"), "Failed"));
    expect(failed.reason).toBe("BackoffLimitExceeded");
    const pod = await podOf("bad");
    expect(pod.status.phase).toBe("Failed");
    const main = pod.status.containerStatuses.find((c: any) => c.name === "main");
    expect(main.state.terminated).toMatchObject({ exitCode: 2, reason: "Error" });
  });

  it("serves a pod's container logs from files in CRI format, and follows them", async () => {
    await kubectl(["apply", "-f", "-"], JSON.stringify(job("logs", { [ANNOTATIONS.duration]: "1h" })));
    const pod = await podOf("logs");
    const mainLog = path.join(logDir, "main.log");
    const cloneLog = path.join(logDir, "clone.log");
    writeFileSync(mainLog, criLog(["compiling", "running 3 tests", "3 passed"]));
    writeFileSync(cloneLog, criLog(["Cloning into '/workspace'..."], "stderr"));
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify(
        podLogsManifest(ns, pod.metadata.name, [
          { containers: ["main"], file: mainLog },
          { containers: ["clone"], file: cloneLog },
        ]),
      ),
    );

    const main = await waitFor("kwok to serve the main container's log", async () => {
      const out = await kubectl(["-n", ns, "logs", pod.metadata.name, "-c", "main"]);
      return out.includes("3 passed") ? out : undefined;
    });
    expect(main).toBe("compiling\nrunning 3 tests\n3 passed\n");
    expect(await kubectl(["-n", ns, "logs", pod.metadata.name, "-c", "clone"])).toBe("Cloning into '/workspace'...\n");
    const stamped = await kubectl(["-n", ns, "logs", pod.metadata.name, "-c", "main", "--timestamps"]);
    expect(stamped.split("\n")[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z compiling$/);

    // `kubectl logs -f` streams what is appended to the file; kwok never ends the stream itself.
    const follow = spawn(kubectlBin, ["-n", ns, "logs", "-f", pod.metadata.name, "-c", "main"], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let streamed = "";
    follow.stdout.on("data", (b) => (streamed += b));
    try {
      await waitFor("the followed log's first lines", async () => streamed.includes("3 passed"), 15_000);
      appendFileSync(mainLog, criLine("appended while following"));
      await waitFor("the appended line", async () => streamed.includes("appended while following"), 15_000);
      expect(follow.exitCode).toBeNull();
    } finally {
      follow.kill();
    }
    await kubectl(["-n", ns, "delete", "job", "logs", "--cascade=foreground", "--wait=false"]);
  });
});
