import { describe, expect, it } from "vitest";
import { ProjectExecutors } from "./project-executors";
import { ExecutorError, type ExecHandle, type ExecTask, type Executor, type LogSink } from "./types";

/** An executor that records what it was asked to do. */
function recorder(kind: "local" | "kubernetes") {
  const calls: string[] = [];
  const handle = (ref: string): ExecHandle => ({
    ref,
    wait: async () => ({ exitCode: 0, signal: null, timedOut: false, cancelled: false, message: "", permanent: false }),
    cancel: () => {},
  });
  const e: Executor = {
    kind,
    start: async (t) => (calls.push(`start ${t.runId}`), handle(`${kind}:${t.taskRunId}`)),
    resume: kind === "kubernetes" ? async (t, ref) => (calls.push(`resume ${t.runId} ${ref}`), handle(ref ?? "k8s:ns/x")) : undefined,
    canAdopt: kind === "kubernetes" ? () => true : undefined,
    reapOrphan: async (o) => (calls.push(`reap ${o.taskRunId}`), true),
    releaseRun: async (runId) => void calls.push(`release ${runId}`),
  };
  return { e, calls };
}

const task = (runId: string): ExecTask => ({
  taskRunId: `tr-${runId}`,
  runId,
  taskName: "t",
  stageName: "s",
  attempt: 1,
  env: {},
  plan: {} as ExecTask["plan"],
});
const sink = {} as LogSink;

function setup(kinds: Record<string, "local" | "kubernetes">, o: { defaultKind?: "local" | "kubernetes"; kubeFails?: string } = {}) {
  const local = recorder("local");
  const kube = recorder("kubernetes");
  let kubeStarts = 0;
  let lookups = 0;
  const router = new ProjectExecutors({
    defaultKind: o.defaultKind ?? "local",
    local: local.e,
    kubernetes: ProjectExecutors.lazy(async () => {
      kubeStarts++;
      if (o.kubeFails) throw new Error(o.kubeFails);
      return kube.e;
    }),
    kindOfRun: async (runId) => (lookups++, kinds[runId]),
  });
  return { router, local, kube, starts: () => kubeStarts, lookups: () => lookups };
}

describe("ProjectExecutors", () => {
  it("waits for a database that is restarting before it can tell a task's executor, and fails on any other error", async () => {
    const local = recorder("local");
    let lookups = 0;
    const router = new ProjectExecutors({
      defaultKind: "local",
      local: local.e,
      kubernetes: ProjectExecutors.lazy(async () => local.e),
      kindOfRun: async (runId) => {
        lookups++;
        if (runId === "down" && lookups < 3)
          throw Object.assign(new Error("Connection lost: The server closed the connection."), { code: "PROTOCOL_CONNECTION_LOST" });
        if (runId === "bad") throw new Error("Unknown column 'x'");
        return "local";
      },
    });
    await router.start(task("down"), sink);
    expect(lookups, "two lost connections, then the answer").toBe(3);
    expect(local.calls).toEqual(["start down"]);
    await expect(router.start(task("bad"), sink)).rejects.toThrow(
      "cannot tell which executor runs this project's tasks: Unknown column 'x'",
    );
  });

  it("runs each task on its project's executor, looking the run up once", async () => {
    const s = setup({ a: "local", b: "kubernetes" });
    await s.router.start(task("a"), sink);
    await s.router.start(task("b"), sink);
    await s.router.start(task("b"), sink);
    expect(s.local.calls).toEqual(["start a"]);
    expect(s.kube.calls).toEqual(["start b", "start b"]);
    expect(s.lookups()).toBe(2);
  });

  it("starts Kubernetes mode only when a project first needs it, and once", async () => {
    const s = setup({ a: "local", b: "kubernetes", c: "kubernetes" });
    await s.router.start(task("a"), sink);
    expect(s.starts()).toBe(0);
    await Promise.all([s.router.start(task("b"), sink), s.router.start(task("c"), sink)]);
    expect(s.starts()).toBe(1);
  });

  it("fails a Kubernetes project's task for good, saying why, when there is no kubeconfig", async () => {
    const s = setup({ b: "kubernetes" }, { kubeFails: "there is no kubeconfig (KUBECONFIG, ~/.kube/config)" });
    const e = (await s.router.start(task("b"), sink).catch((x) => x)) as ExecutorError;
    expect(e).toBeInstanceOf(ExecutorError);
    expect(e.permanent).toBe(true);
    expect(e.message).toMatch(/runs its tasks on Kubernetes, but Kubernetes mode could not start: there is no kubeconfig/);
  });

  it("lets a cluster that does not answer be retried: the next task tries to start Kubernetes mode again", async () => {
    const s = setup({ b: "kubernetes" }, { kubeFails: "connect ECONNREFUSED 127.0.0.1:6443" });
    const e = (await s.router.start(task("b"), sink).catch((x) => x)) as ExecutorError;
    expect(e.permanent).toBe(false);
    await s.router.start(task("b"), sink).catch(() => undefined);
    expect(s.starts()).toBe(2);
  });

  it("re-attaches BuildJobs by their ref and never restarts a local process it cannot find", async () => {
    const s = setup({ a: "local", b: "kubernetes" });
    expect(s.router.canResume("k8s:gantry-x/gantry-abc-1")).toBe(true);
    expect(s.router.canResume("local:host:123")).toBe(false);
    // Without a ref, only where Kubernetes is the default can it be a BuildJob.
    expect(s.router.canResume(null)).toBe(false);
    expect(setup({}, { defaultKind: "kubernetes" }).router.canResume(null)).toBe(true);
    await s.router.resume(task("b"), "k8s:gantry-x/gantry-abc-1", sink);
    expect(s.kube.calls).toEqual(["resume b k8s:gantry-x/gantry-abc-1"]);
  });

  it("adopts a dead operator's BuildJobs before Kubernetes mode has started, and reaps by ref", async () => {
    const s = setup({});
    expect(s.router.canAdopt({ taskRunId: "x", attempt: 1, executorRef: "k8s:ns/gantry-x-1" })).toBe(true);
    expect(s.router.canAdopt({ taskRunId: "x", attempt: 1, executorRef: "local:host:1" })).toBe(false);
    await s.router.reapOrphan({ taskRunId: "k", runId: "r", taskName: "t", executorRef: "k8s:ns/gantry-k-1" });
    await s.router.reapOrphan({ taskRunId: "l", runId: "r", taskName: "t", executorRef: "local:host:1" });
    expect(s.kube.calls).toEqual(["reap k"]);
    expect(s.local.calls).toEqual(["reap l"]);
  });

  it("releases a finished run's workspace on the executor that ran it", async () => {
    const s = setup({ a: "local", b: "kubernetes" });
    await s.router.start(task("b"), sink);
    await s.router.releaseRun("b");
    await s.router.releaseRun("a");
    expect(s.kube.calls).toEqual(["start b", "release b"]);
    expect(s.local.calls).toEqual(["release a"]);
  });

  it("hands on a local task's metrics file, which the operator reads when the task ends", async () => {
    const local = recorder("local");
    const router = new ProjectExecutors({
      defaultKind: "kubernetes",
      local: { ...local.e, collectMetrics: async (t: { taskRunId: string }) => `size{task="${t.taskRunId}"} 1\n` } as Executor,
      kubernetes: ProjectExecutors.lazy(async () => recorder("kubernetes").e),
      kindOfRun: async () => "local",
    });
    await expect(router.collectMetrics({ runId: "r", taskRunId: "tr" })).resolves.toBe('size{task="tr"} 1\n');
  });
});
