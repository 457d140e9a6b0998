import type { CoreV1Event, V1ContainerState, V1ContainerStatus, V1Job, V1JobCondition, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { BuildJob, BuildJobStatus } from "./buildjob-schema";
import { deriveStatus, execResultOf, taskRunView, type Observed } from "./status";
import { sampleBuildJob } from "./test-fixtures";

const NOW = new Date("2026-05-04T10:00:30.123Z");
const T0 = new Date("2026-05-04T10:00:00Z");
const JOB = "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1";

function job(conditions: V1JobCondition[] = [], status: Partial<NonNullable<V1Job["status"]>> = {}): V1Job {
  return { metadata: { name: JOB, namespace: "team-shop" }, status: { startTime: T0, conditions, ...status } };
}
const cond = (type: string, reason: string, message = ""): V1JobCondition => ({
  type,
  status: "True",
  reason,
  message,
  lastTransitionTime: new Date("2026-05-04T10:00:20Z"),
});

function container(name: string, state: V1ContainerState, image = "debian:bookworm-slim"): V1ContainerStatus {
  return { name, image, imageID: "", ready: false, restartCount: 0, state };
}
function pod(name: string, status: V1PodStatus, createdSecondsAfterT0 = 0): V1Pod {
  return { metadata: { name, creationTimestamp: new Date(T0.getTime() + createdSecondsAfterT0 * 1000) }, status };
}
const running = (): V1ContainerState => ({ running: { startedAt: T0 } });
const exited = (exitCode: number, reason = exitCode ? "Error" : "Completed"): V1ContainerState => ({ terminated: { exitCode, reason } });
const waiting = (reason: string, message?: string): V1ContainerState => ({ waiting: { reason, message } });
const event = (kind: string, name: string, reason: string, message: string, at = T0): CoreV1Event => ({
  metadata: { name: `${name}.${reason}` },
  involvedObject: { kind, name },
  type: "Warning",
  reason,
  message,
  lastTimestamp: at,
});

const observe = (over: Partial<Observed> = {}, bj: BuildJob = sampleBuildJob()): BuildJobStatus =>
  deriveStatus({ buildJob: bj, now: NOW, ...over });
const reasonOf = (s: BuildJobStatus) => s.conditions!.find((c) => c.type === "Succeeded")!.reason;

describe("BuildJob status from the Job, its pods and events", () => {
  it("is Pending while the Job does not exist yet", () => {
    const s = observe();
    expect(s).toMatchObject({ phase: "Pending", observedGeneration: 1 });
    expect(s.conditions).toEqual([
      {
        type: "Succeeded",
        status: "Unknown",
        reason: "Creating",
        message: "",
        lastTransitionTime: "2026-05-04T10:00:30Z",
        observedGeneration: 1,
      },
    ]);
  });

  it("says why no pod appears when the Job controller cannot create it (quota)", () => {
    const s = observe({
      job: job(),
      events: [
        event("Job", JOB, "FailedCreate", 'pods "x" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=8, limited: cpu=8'),
      ],
    });
    expect(s.phase).toBe("Pending");
    expect(reasonOf(s)).toBe("FailedCreate");
    expect(s.message).toMatch(/^the pod cannot be created: .*exceeded quota/);
  });

  it("reports Unschedulable with the scheduler's explanation", () => {
    const p = pod("p1", {
      phase: "Pending",
      conditions: [
        { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient memory." },
      ],
    });
    const s = observe({ job: job([], { active: 1 }), pods: [p] });
    expect([s.phase, reasonOf(s), s.message, s.podName]).toEqual([
      "Pending",
      "Unschedulable",
      "0/3 nodes are available: 3 Insufficient memory.",
      "p1",
    ]);
  });

  it("reports ImagePullBackOff and ErrImagePull naming the image and the container", () => {
    for (const reason of ["ImagePullBackOff", "ErrImagePull"]) {
      const p = pod("p1", {
        phase: "Pending",
        containerStatuses: [container("main", waiting(reason, 'Back-off pulling image "debian:bookworm-slimm"'), "debian:bookworm-slimm")],
      });
      const s = observe({ job: job(), pods: [p] });
      expect([s.phase, reasonOf(s)]).toEqual(["Pending", reason]);
      expect(s.message).toBe(
        'cannot pull image debian:bookworm-slimm for the task\'s container: Back-off pulling image "debian:bookworm-slimm"',
      );
    }
  });

  it("reports a sidecar whose image cannot be pulled, and a missing Secret key", () => {
    const side = pod("p1", {
      phase: "Pending",
      initContainerStatuses: [container("postgres", waiting("ErrImagePull", "not found"), "postgres:99")],
      containerStatuses: [container("main", waiting("PodInitializing"))],
    });
    expect(observe({ job: job(), pods: [side] }).message).toBe("cannot pull image postgres:99 for container postgres: not found");
    const cfg = pod("p1", {
      phase: "Pending",
      containerStatuses: [container("main", waiting("CreateContainerConfigError", 'secret "npm" not found'))],
    });
    const s = observe({ job: job(), pods: [cfg] });
    expect([reasonOf(s), s.message]).toEqual(["CreateContainerConfigError", 'the task\'s container cannot start: secret "npm" not found']);
  });

  it("reports a volume that cannot be mounted", () => {
    const p = pod("p1", { phase: "Pending", containerStatuses: [container("main", waiting("ContainerCreating"))] });
    const s = observe({
      job: job(),
      pods: [p],
      events: [event("Pod", "p1", "FailedMount", 'persistentvolumeclaim "gantry-ws-x" not found')],
    });
    expect([s.phase, reasonOf(s), s.message]).toEqual(["Pending", "FailedMount", 'persistentvolumeclaim "gantry-ws-x" not found']);
  });

  it("is Running once the clone or the task runs, with the Job's start time", () => {
    const cloning = pod("p1", {
      phase: "Pending",
      initContainerStatuses: [container("clone", running())],
      containerStatuses: [container("main", waiting("PodInitializing"))],
    });
    expect(reasonOf(observe({ job: job(), pods: [cloning] }))).toBe("Initializing");
    const s = observe({
      job: job([], { active: 1 }),
      pods: [pod("p1", { phase: "Running", containerStatuses: [container("main", running())] })],
    });
    expect(s).toMatchObject({ phase: "Running", jobName: JOB, podName: "p1", startTime: "2026-05-04T10:00:00Z" });
    expect(s.completionTime).toBeUndefined();
  });

  it("is Succeeded with exit code 0 and the completion time when the Job completes", () => {
    const s = observe({
      job: job([cond("Complete", "CompletionsReached")], { succeeded: 1, completionTime: new Date("2026-05-04T10:00:25Z") }),
      pods: [pod("p1", { phase: "Succeeded", containerStatuses: [container("main", exited(0))] })],
    });
    expect(s).toMatchObject({ phase: "Succeeded", exitCode: 0, completionTime: "2026-05-04T10:00:25Z" });
    expect(s.conditions![0]).toMatchObject({ status: "True", reason: "Succeeded" });
  });

  it("reports the main container's exit code when the task fails, with the attempts it took", () => {
    const pods = [1, 2, 3].map((i) => pod(`p${i}`, { phase: "Failed", containerStatuses: [container("main", exited(2))] }, i));
    const s = observe({
      job: job([cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")], { failed: 3 }),
      pods,
    });
    expect(s).toMatchObject({
      phase: "Failed",
      exitCode: 2,
      message: "exit code 2 (3 attempts)",
      podName: "p3",
      failedPods: 3,
      completionTime: "2026-05-04T10:00:20Z",
    });
    expect(s.conditions![0]).toMatchObject({ status: "False", reason: "BackoffLimitExceeded" });
  });

  it("says OOMKilled with the memory limit rather than a bare exit code 137", () => {
    const bj = sampleBuildJob({ resources: { limits: { memory: "512Mi" } }, plan: { ...sampleBuildJob().spec.plan, retries: 0 } });
    const p = pod("p1", { phase: "Failed", containerStatuses: [container("main", exited(137, "OOMKilled"))] });
    const s = observe({ job: job([cond("Failed", "BackoffLimitExceeded")], { failed: 1 }), pods: [p] }, bj);
    expect([reasonOf(s), s.message, s.exitCode]).toEqual([
      "OOMKilled",
      "out of memory: killed at its memory limit of 512Mi (exit code 137)",
      137,
    ]);
  });

  it("says DeadlineExceeded as 'timed out' for the Job's deadline, and what the pod was still waiting for", () => {
    const s = observe({
      job: job([cond("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")]),
      pods: [pod("p1", { phase: "Running", containerStatuses: [container("main", running())] })],
    });
    expect([s.phase, reasonOf(s), s.message]).toEqual(["Failed", "DeadlineExceeded", "timed out after 1800s"]);
    const stuck = pod("p1", {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available" }],
    });
    expect(observe({ job: job([cond("Failed", "DeadlineExceeded")]), pods: [stuck] }).message).toBe(
      "timed out after 1800s while the pod was waiting (Unschedulable: 0/3 nodes are available)",
    );
  });

  it("says DeadlineExceeded when an attempt ran past the task's timeout (the pod's own deadline)", () => {
    const p = pod("p1", {
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: "Pod was active on the node longer than the specified deadline",
    });
    const s = observe({ job: job([cond("Failed", "BackoffLimitExceeded")], { failed: 1 }), pods: [p] });
    expect([reasonOf(s), s.message]).toEqual(["DeadlineExceeded", "timed out after 600s"]);
  });

  it("reports an evicted pod: starting again while the Job goes on, Evicted if the Job fails", () => {
    const evicted = pod("p1", { phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." });
    const again = observe({ job: job([], { active: 0 }), pods: [evicted] });
    expect([again.phase, reasonOf(again), again.message]).toEqual([
      "Running",
      "Evicted",
      "the pod was evicted: The node was low on resource: memory.; starting it again",
    ]);
    const s = observe({ job: job([cond("Failed", "BackoffLimitExceeded")], { failed: 1 }), pods: [evicted] });
    expect([s.phase, reasonOf(s), s.message]).toEqual(["Failed", "Evicted", "the pod was evicted: The node was low on resource: memory."]);
  });

  it("names the node and the cause when the pod was stopped from outside (its node NotReady), not the exit code it died with", () => {
    const onLostNode: V1Pod = {
      ...pod("p1", {
        phase: "Failed",
        conditions: [
          { type: "Ready", status: "False" },
          {
            type: "DisruptionTarget",
            status: "True",
            reason: "DeletionByTaintManager",
            message: "Taint manager: deleting due to NoExecute taint",
          },
        ],
        containerStatuses: [container("main", exited(137))],
      }),
      spec: { nodeName: "kwok-node-1", containers: [] },
    };
    const text = "the pod was evicted from node kwok-node-1: DeletionByTaintManager: Taint manager: deleting due to NoExecute taint";
    const again = observe({ job: job([], { failed: 1 }), pods: [onLostNode] });
    expect([again.phase, reasonOf(again), again.message]).toEqual(["Running", "Evicted", `${text}; starting it again`]);
    const s = observe({ job: job([cond("Failed", "BackoffLimitExceeded")], { failed: 1 }), pods: [onLostNode] });
    expect([s.phase, reasonOf(s), s.message, s.exitCode]).toEqual(["Failed", "Evicted", text, 137]);
  });

  it("says a pod deleted from outside but not yet stopped (its node lost) was evicted, instead of 'running'", () => {
    const terminating: V1Pod = {
      ...pod("p1", {
        phase: "Running",
        conditions: [
          { type: "Ready", status: "True" },
          {
            type: "DisruptionTarget",
            status: "True",
            reason: "DeletionByTaintManager",
            message: "Taint manager: deleting due to NoExecute taint",
          },
        ],
        containerStatuses: [container("main", running())],
      }),
      spec: { nodeName: "kwok-node-1", containers: [] },
    };
    terminating.metadata = { ...terminating.metadata, deletionTimestamp: new Date() };
    const s = observe({ job: job([], {}), pods: [terminating] });
    expect([s.phase, reasonOf(s), s.message]).toEqual([
      "Running",
      "Evicted",
      "the pod was evicted from node kwok-node-1: DeletionByTaintManager: Taint manager: deleting due to NoExecute taint; starting it again once it has stopped",
    ]);
  });

  it("says a failed attempt is being retried, from the newest pod", () => {
    const first = pod("p1", { phase: "Failed", containerStatuses: [container("main", exited(1))] }, 1);
    const s = observe({ job: job([], { failed: 1 }), pods: [first] });
    expect([s.phase, reasonOf(s), s.message]).toEqual(["Running", "Retrying", "exit code 1; starting it again"]);
    const second = pod("p2", { phase: "Running", containerStatuses: [container("main", running())] }, 20);
    expect(observe({ job: job([], { failed: 1, active: 1 }), pods: [first, second] })).toMatchObject({
      phase: "Running",
      podName: "p2",
      failedPods: 1,
    });
  });

  it("names the clone when the repository could not be cloned", () => {
    const p = pod("p1", {
      phase: "Failed",
      initContainerStatuses: [
        container("clone", { terminated: { exitCode: 128, reason: "Error", message: "fatal: repository not found\n" } }),
      ],
      containerStatuses: [container("main", waiting("PodInitializing"))],
    });
    const s = observe({ job: job([cond("Failed", "BackoffLimitExceeded")], { failed: 1 }), pods: [p] });
    expect([reasonOf(s), s.message, s.exitCode]).toEqual([
      "BackoffLimitExceeded",
      "clone failed with exit code 128: fatal: repository not found",
      undefined,
    ]);
  });

  it("reports Cancelled once the scheduler asked, unless the Job had already finished", () => {
    const bj = sampleBuildJob({ cancelRequested: true, cancelMessage: "cancelled by alice" });
    expect(observe({ job: job([], { active: 1 }) }, bj)).toMatchObject({
      phase: "Cancelled",
      message: "cancelled by alice",
      completionTime: "2026-05-04T10:00:30Z",
    });
    expect(observe({ job: job([cond("Complete", "CompletionsReached")]) }, bj).phase).toBe("Succeeded");
  });

  it("fails the attempt when its Job was deleted under it", () => {
    const s = observe({ jobDeleted: true }, { ...sampleBuildJob(), status: { phase: "Running", jobName: JOB } });
    expect([s.phase, reasonOf(s), s.message]).toEqual(["Failed", "JobDeleted", "the Job was deleted before it finished"]);
  });

  it("keeps a final status whatever arrives later", () => {
    const done: BuildJobStatus = {
      phase: "Succeeded",
      exitCode: 0,
      observedGeneration: 1,
      conditions: [{ type: "Succeeded", status: "True", reason: "Succeeded", message: "", lastTransitionTime: "2026-05-04T10:00:25Z" }],
    };
    const late = observe({ job: job([cond("Failed", "DeadlineExceeded")]) }, { ...sampleBuildJob(), status: done });
    expect(late).toBe(done);
  });

  it("is idempotent: the same observation gives an equal status, and the transition time only moves with the status", () => {
    const o = { job: job([], { active: 1 }), pods: [pod("p1", { phase: "Running", containerStatuses: [container("main", running())] })] };
    const first = observe(o);
    const again = deriveStatus({ buildJob: { ...sampleBuildJob(), status: first }, now: new Date("2026-05-04T10:05:00Z"), ...o });
    expect(again).toEqual(first);
    const failed = deriveStatus({
      buildJob: { ...sampleBuildJob(), status: first },
      now: new Date("2026-05-04T10:05:00Z"),
      job: job([cond("Failed", "BackoffLimitExceeded")], { failed: 3 }),
    });
    expect(failed.conditions![0].lastTransitionTime).toBe("2026-05-04T10:05:00Z");
  });
});

describe("task run from the BuildJob", () => {
  const status = (phase: BuildJobStatus["phase"], reason: string, message = "", exitCode?: number): BuildJobStatus => ({
    phase,
    ...(message ? { message } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    conditions: [
      {
        type: "Succeeded",
        status: phase === "Succeeded" ? "True" : phase === "Failed" || phase === "Cancelled" ? "False" : "Unknown",
        reason,
        message,
        lastTransitionTime: "2026-05-04T10:00:00Z",
      },
    ],
  });

  it("stays running while the BuildJob is pending or running, saying why when it is stuck", () => {
    expect(taskRunView(undefined)).toEqual({ status: "running", message: null, exitCode: null });
    expect(taskRunView(status("Running", "Running"))).toEqual({ status: "running", message: null, exitCode: null });
    expect(taskRunView(status("Pending", "Unschedulable", "0/3 nodes are available"))).toEqual({
      status: "running",
      message: "Unschedulable: 0/3 nodes are available",
      exitCode: null,
    });
  });

  it("ends succeeded, failed with the message and exit code, or cancelled", () => {
    expect(taskRunView(status("Succeeded", "Succeeded", "", 0))).toEqual({ status: "succeeded", message: null, exitCode: 0 });
    expect(taskRunView(status("Failed", "BackoffLimitExceeded", "exit code 2", 2))).toEqual({
      status: "failed",
      message: "exit code 2",
      exitCode: 2,
    });
    expect(taskRunView(status("Cancelled", "Cancelled", "cancelled by alice"))).toEqual({
      status: "cancelled",
      message: "cancelled by alice",
      exitCode: null,
    });
  });

  it("tells the scheduler not to retry what the Job already retried, but to retry a vanished Job", () => {
    expect(execResultOf(status("Running", "Running"))).toBeNull();
    expect(execResultOf(status("Succeeded", "Succeeded", "", 0))).toEqual({
      exitCode: 0,
      signal: null,
      timedOut: false,
      cancelled: false,
      message: "",
      permanent: false,
      reason: null,
    });
    expect(execResultOf(status("Failed", "DeadlineExceeded", "timed out after 600s"))).toMatchObject({
      timedOut: true,
      permanent: true,
      message: "timed out after 600s",
      reason: "DeadlineExceeded",
    });
    // The triage shows the Kubernetes reason before any log line.
    expect(execResultOf(status("Failed", "OOMKilled", "out of memory", 137))).toMatchObject({
      exitCode: 137,
      permanent: true,
      reason: "OOMKilled",
    });
    expect(execResultOf(status("Failed", "JobDeleted", "the Job was deleted before it finished"))).toMatchObject({ permanent: false });
    expect(execResultOf(status("Cancelled", "Cancelled", "cancelled by alice"))).toMatchObject({
      cancelled: true,
      message: "cancelled by alice",
    });
  });
});
