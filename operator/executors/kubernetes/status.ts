import type { CoreV1Event, V1ContainerStatus, V1Job, V1Pod } from "@kubernetes/client-node";
import { retryPolicy } from "@/lib/retry-policy";
import type { RunStatus } from "@/lib/status";
import { exitMessage } from "@/lib/exit-message";
import { failureReason } from "@/lib/failure-reason";
import type { ExecResult } from "../types";
import { FINAL_PHASES, type BuildJob, type BuildJobStatus, type Condition, type Phase } from "./buildjob-schema";
import { MAIN_CONTAINER } from "./job-spec";

/**
 * What the cluster says about one attempt → the BuildJob's status, and that status → the task
 * run's. Pure, so that reconcile can compare the result with the stored status and write only
 * when something changed, and so every reason a user may see is tested without a cluster.
 */

export interface Observed {
  buildJob: BuildJob;
  /** The attempt's Job, as the informer has it; undefined when there is none (yet). */
  job?: V1Job;
  /**
   * The controller confirmed with a direct read that the Job it created is gone (an informer
   * that has not caught up yet is not proof).
   */
  jobDeleted?: boolean;
  /** The Job's pods, any order. */
  pods?: V1Pod[];
  /** Events about the Job and its pods. */
  events?: CoreV1Event[];
  now: Date;
}

/** The one condition: Unknown while the attempt runs, then True or False with the reason. */
export const SUCCEEDED = "Succeeded";

/** Reasons a container waits that need a person, not patience. */
const STUCK_WAITING = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "CrashLoopBackOff",
  "RunContainerError",
]);

interface Verdict {
  phase: Phase;
  reason: string;
  message: string;
  exitCode?: number;
  pod?: V1Pod;
}

export function deriveStatus(o: Observed): BuildJobStatus {
  const prev = o.buildJob.status;
  const generation = o.buildJob.metadata.generation;
  // Done is done: a late event must not turn a finished attempt back into a running one.
  if (prev && FINAL_PHASES.includes(prev.phase))
    return generation === undefined || prev.observedGeneration === generation ? prev : { ...prev, observedGeneration: generation };

  const pods = [...(o.pods ?? [])].sort(
    (a, b) =>
      time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp) ||
      (b.metadata?.name ?? "").localeCompare(a.metadata?.name ?? ""),
  );
  const v = verdict(o, pods);
  const job = o.job;
  const failedCond = job?.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
  const final = FINAL_PHASES.includes(v.phase);

  const status: BuildJobStatus = { phase: v.phase };
  status.conditions = [condition(prev, v, o.now, generation)];
  const jobName = job?.metadata?.name ?? prev?.jobName;
  if (jobName) status.jobName = jobName;
  const podName = (v.pod ?? pods[0])?.metadata?.name ?? prev?.podName;
  if (podName) status.podName = podName;
  const start = job?.status?.startTime ?? prev?.startTime;
  if (start) status.startTime = iso(start);
  if (final) status.completionTime = iso(job?.status?.completionTime ?? failedCond?.lastTransitionTime ?? prev?.completionTime ?? o.now);
  if (v.exitCode !== undefined) status.exitCode = v.exitCode;
  if (v.message) status.message = v.message;
  const failed = job?.status?.failed ?? pods.filter((p) => p.status?.phase === "Failed").length;
  if (failed > 0) status.failedPods = failed;
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}

function verdict(o: Observed, pods: V1Pod[]): Verdict {
  const { spec } = o.buildJob;
  const job = o.job;
  const cond = (type: string) => job?.status?.conditions?.find((c) => c.type === type && c.status === "True");
  const latest = pods[0];

  if (cond("Complete")) {
    const done = pods.find((p) => p.status?.phase === "Succeeded") ?? latest;
    return { phase: "Succeeded", reason: "Succeeded", message: "", exitCode: mainTerminated(done)?.exitCode ?? 0, pod: done };
  }
  const failed = cond("Failed");
  if (failed) return failure(o, failed.reason ?? "Failed", failed.message ?? "", pods);

  if (spec.cancelRequested) return { phase: "Cancelled", reason: "Cancelled", message: spec.cancelMessage || "cancelled" };
  if (o.jobDeleted) return { phase: "Failed", reason: "JobDeleted", message: "the Job was deleted before it finished" };

  if (!job) return { phase: "Pending", reason: "Creating", message: "" };
  if (!latest) {
    const refused = lastWarning(o.events, "Job", job.metadata?.name, ["FailedCreate"]);
    if (refused) return { phase: "Pending", reason: "FailedCreate", message: `the pod cannot be created: ${refused.message ?? ""}`.trim() };
    return { phase: "Pending", reason: "Pending", message: "" };
  }
  return podProgress(o, latest);
}

/** The newest pod of a Job that is still going. */
function podProgress(o: Observed, pod: V1Pod): Verdict {
  const name = pod.metadata?.name;
  const st = pod.status ?? {};
  const main = (st.containerStatuses ?? []).find((c) => c.name === MAIN_CONTAINER);
  const mainStarted = !!(main?.state?.running || main?.state?.terminated);

  if (st.phase === "Failed") {
    // An earlier attempt failed and the Job controller is about to start the next one.
    const why = podFailureText(o, pod);
    return { phase: "Running", reason: why.reason === "Evicted" ? "Evicted" : "Retrying", message: `${why.text}; starting it again`, pod };
  }
  if (st.phase !== "Succeeded" && isDisrupted(pod)) {
    // Deleted from outside (the taint manager, as its node went NotReady; a drain) but not yet
    // stopped: on a lost node nothing stops it until the node returns or is removed, and the Job
    // starts the next pod only then (podReplacementPolicy: Failed). Say so rather than "running".
    const why = podFailureText(o, pod);
    return { phase: "Running", reason: "Evicted", message: `${why.text}; starting it again once it has stopped`, pod };
  }
  const scheduled = (st.conditions ?? []).find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    const ev = lastWarning(o.events, "Pod", name, ["FailedScheduling"]);
    return { phase: "Pending", reason: "Unschedulable", message: scheduled.message || ev?.message || "no node can run the pod", pod };
  }
  for (const c of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]) {
    const w = c.state?.waiting;
    if (w?.reason && STUCK_WAITING.has(w.reason)) {
      return { phase: mainStarted ? "Running" : "Pending", reason: w.reason, message: waitingText(c, w.reason, w.message), pod };
    }
  }
  const mount = lastWarning(o.events, "Pod", name, ["FailedMount", "FailedAttachVolume"]);
  if (mount && st.phase === "Pending")
    return { phase: "Pending", reason: mount.reason ?? "FailedMount", message: mount.message ?? "", pod };
  if (st.phase === "Running" || st.phase === "Succeeded" || mainStarted) return { phase: "Running", reason: "Running", message: "", pod };
  const initRunning = (st.initContainerStatuses ?? []).some((c) => c.state?.running);
  if (initRunning) return { phase: "Running", reason: "Initializing", message: "", pod };
  const waiting = main?.state?.waiting?.reason;
  return { phase: "Pending", reason: waiting || "Pending", message: "", pod };
}

/** A Job the Job controller has failed: the most specific reason a user can act on. */
function failure(o: Observed, jobReason: string, jobMessage: string, pods: V1Pod[]): Verdict {
  const { plan } = o.buildJob.spec;
  const last = pods.find((p) => p.status?.phase === "Failed") ?? pods[0];
  const exitCode = mainTerminated(last)?.exitCode;
  const base = { phase: "Failed" as const, pod: last, ...(exitCode !== undefined ? { exitCode } : {}) };
  if (jobReason === "DeadlineExceeded") {
    // The Job's deadline covers every attempt and any wait for a node or an image: say what it was waiting for.
    const stuck = last && last.status?.phase !== "Failed" ? podProgress(o, last) : null;
    const waitingFor =
      stuck && stuck.phase === "Pending" && stuck.message ? ` while the pod was waiting (${stuck.reason}: ${stuck.message})` : "";
    return { ...base, reason: "DeadlineExceeded", message: `timed out after ${retryPolicy(plan).totalTimeoutSeconds}s${waitingFor}` };
  }
  if (!last) return { ...base, reason: jobReason, message: jobMessage };
  const why = podFailureText(o, last);
  const attempts = o.job?.status?.failed ?? pods.filter((p) => p.status?.phase === "Failed").length;
  const suffix = attempts > 1 ? ` (${attempts} attempts)` : "";
  return { ...base, reason: why.reason === "Failed" ? jobReason : why.reason, message: `${why.text}${suffix}` };
}

/** Why one pod failed: out of memory, evicted, its own deadline, or a container's exit code. */
function podFailureText(o: Observed, pod: V1Pod): { reason: string; text: string } {
  const st = pod.status ?? {};
  if (st.reason === "Evicted") return { reason: "Evicted", text: `the pod was evicted: ${st.message ?? ""}`.trim() };
  // Stopped from outside (its node became NotReady or unreachable and the taint manager deleted it,
  // a drain, preemption): the container's exit code is a consequence, the node and the cause are the news.
  const disrupted = isDisrupted(pod);
  if (disrupted) {
    const node = pod.spec?.nodeName ? ` from node ${pod.spec.nodeName}` : "";
    const why = [disrupted.reason, disrupted.message].filter(Boolean).join(": ");
    return { reason: "Evicted", text: `the pod was evicted${node}${why ? `: ${why}` : ""}` };
  }
  if (st.reason === "DeadlineExceeded")
    return { reason: "DeadlineExceeded", text: `timed out after ${o.buildJob.spec.plan.timeoutSeconds}s` };
  const main = mainTerminated(pod);
  if (main?.reason === "OOMKilled") {
    const limit = o.buildJob.spec.resources?.limits?.memory;
    return {
      reason: "OOMKilled",
      text: `out of memory: killed at its memory limit${limit ? ` of ${limit}` : ""} (exit code ${main.exitCode})`,
    };
  }
  if (main) return { reason: "Failed", text: exitMessage(main.exitCode, null) || `exit code ${main.exitCode}` };
  // The task never ran: an init container (the clone) or a sidecar failed first.
  for (const c of st.initContainerStatuses ?? []) {
    const t = c.state?.terminated;
    if (t && t.exitCode !== 0) {
      if (t.reason === "OOMKilled") return { reason: "OOMKilled", text: `out of memory in ${c.name} (exit code ${t.exitCode})` };
      return { reason: "Failed", text: `${c.name} failed with exit code ${t.exitCode}${t.message ? `: ${t.message.trim()}` : ""}` };
    }
  }
  return { reason: "Failed", text: st.message || "the pod failed" };
}

function isDisrupted(pod: V1Pod) {
  return (pod.status?.conditions ?? []).find((c) => c.type === "DisruptionTarget" && c.status === "True");
}

function waitingText(c: V1ContainerStatus, reason: string, message: string | undefined): string {
  const who = c.name === MAIN_CONTAINER ? "the task's container" : `container ${c.name}`;
  if (reason === "ImagePullBackOff" || reason === "ErrImagePull" || reason === "InvalidImageName")
    return `cannot pull image ${c.image} for ${who}${message ? `: ${message}` : ""}`;
  if (reason === "CrashLoopBackOff") return `${who} keeps crashing${message ? `: ${message}` : ""}`;
  return `${who} cannot start${message ? `: ${message}` : ""}`;
}

const mainTerminated = (pod: V1Pod | undefined) =>
  pod?.status?.containerStatuses?.find((c) => c.name === MAIN_CONTAINER)?.state?.terminated;

function lastWarning(
  events: CoreV1Event[] | undefined,
  kind: string,
  name: string | undefined,
  reasons: string[],
): CoreV1Event | undefined {
  let best: CoreV1Event | undefined;
  for (const e of events ?? []) {
    if (e.type !== "Warning" || e.involvedObject?.kind !== kind || e.involvedObject?.name !== name || !reasons.includes(e.reason ?? ""))
      continue;
    if (!best || eventTime(e) >= eventTime(best)) best = e;
  }
  return best;
}

const eventTime = (e: CoreV1Event) => time(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp);

function condition(prev: BuildJobStatus | undefined, v: Verdict, now: Date, generation: number | undefined): Condition {
  const status = v.phase === "Succeeded" ? "True" : FINAL_PHASES.includes(v.phase) ? "False" : "Unknown";
  const before = prev?.conditions?.find((c) => c.type === SUCCEEDED);
  // As in meta.SetStatusCondition: the transition time moves only when the status does.
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : iso(now);
  return {
    type: SUCCEEDED,
    status,
    reason: v.reason,
    message: v.message,
    lastTransitionTime,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

function time(t: Date | string | undefined | null): number {
  if (!t) return 0;
  const ms = (t instanceof Date ? t : new Date(t)).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}

/** Kubernetes' own form (RFC 3339, seconds) so that a status read back compares equal. */
function iso(t: Date | string): string {
  return new Date(time(t)).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---------------------------------------------------------------- BuildJob → task run

/** How the task run looks while its BuildJob is in this state. */
export interface TaskRunView {
  status: Extract<RunStatus, "running" | "succeeded" | "failed" | "cancelled">;
  /** For a running task: why it is not running yet (shown next to its log); for a finished one: its outcome. */
  message: string | null;
  exitCode: number | null;
}

export function taskRunView(status: BuildJobStatus | undefined): TaskRunView {
  const c = status?.conditions?.find((x) => x.type === SUCCEEDED);
  const exitCode = status?.exitCode ?? null;
  switch (status?.phase) {
    case "Succeeded":
      return { status: "succeeded", message: null, exitCode: exitCode ?? 0 };
    case "Failed":
      return { status: "failed", message: status.message || c?.reason || "failed", exitCode };
    case "Cancelled":
      return { status: "cancelled", message: status.message || "cancelled", exitCode };
    default: {
      // Only the reasons worth a person's attention; "Pending" and "Running" speak for themselves.
      const waiting = c && !["Creating", "Pending", "Running", "Initializing", "ContainerCreating", "PodInitializing"].includes(c.reason);
      return { status: "running", message: waiting ? `${c.reason}: ${c.message}`.replace(/: $/, "") : null, exitCode: null };
    }
  }
}

/**
 * The scheduler's view of a finished attempt. The Job already spent the task's retries
 * (backoffLimit), so a failure is permanent for the scheduler, except when the Job vanished
 * under us: then a new attempt is worth it.
 */
export function execResultOf(status: BuildJobStatus): ExecResult | null {
  if (!FINAL_PHASES.includes(status.phase)) return null;
  const reason = status.conditions?.find((x) => x.type === SUCCEEDED)?.reason;
  const view = taskRunView(status);
  return {
    exitCode: view.exitCode,
    signal: null,
    timedOut: reason === "DeadlineExceeded",
    cancelled: status.phase === "Cancelled",
    message: view.message ?? "",
    permanent: status.phase === "Failed" && reason !== "JobDeleted",
    reason: status.phase === "Failed" ? failureReason(reason, view.message) : null,
  };
}
