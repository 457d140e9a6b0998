import type { CoreV1Event, V1Job, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ExecutorError } from "../types";
import { BuildJobSchema, FINAL_PHASES, type BuildJob, type BuildJobStatus } from "./buildjob-schema";
import { buildJobToJob } from "./job-spec";
import { isAlreadyExists, isNotFound, paths, type KubeApi } from "./kube-api";
import { childLabels, jobName, LABEL, labelValue, MANAGED_BY } from "./names";
import { deriveStatus, SUCCEEDED } from "./status";
import { unboundVolumes } from "./unbound-workspace";
import type { WorkResult } from "./work-queue";

/**
 * One reconcile of one BuildJob (STYLE.md #13): read everything from the informers' caches,
 * ordered early returns (invalid, final, cancelled), create the Job when it is missing, derive
 * the status and write it only when a user would see the difference. Idempotent: a second call
 * with nothing changed makes no API write at all, which keeps the writes per task run at the
 * BuildJob, its Job, and two status patches (Running, final).
 */

export interface ReconcileCaches {
  buildJob(namespace: string, name: string): unknown;
  job(namespace: string, name: string): V1Job | undefined;
  /** Pods carrying the BuildJob's label. */
  pods(namespace: string, buildJob: string): V1Pod[];
  /** Events about the BuildJob's Job and pods (none when not watched). */
  events?(namespace: string, buildJob: string): CoreV1Event[];
}

export interface ReconcilerOptions {
  api: Pick<KubeApi, "get" | "create" | "mergePatch" | "delete">;
  caches: ReconcileCaches;
  /** How long finished BuildJobs stay before they are deleted (their history is in MySQL). */
  retentionMs: number;
  /** Size of the per-run workspace PVCs. */
  workspaceSize?: string;
  storageClassName?: string;
  /** Last touch on the Job before it is created (tests use it to tell kwok how the pod ends). */
  decorateJob?: (job: V1Job, bj: BuildJob) => V1Job;
  /** How often a BuildJob that is still going is looked at again, events or not. */
  resyncMs?: number;
  /** How long a pod may wait for unbound volumes before its task fails (default 60 s). */
  unboundLimitMs?: number;
  now?: () => Date;
  log?: Logger;
}

/** Reasons that need no status write: nothing a person can act on, and they pass in a moment. */
const QUIET_REASONS = new Set(["Creating", "Pending", "Running", "Initializing", "ContainerCreating", "PodInitializing"]);

export class Reconciler {
  /** Status writes made, for the write budget in tests and metrics. */
  statusWrites = 0;
  private readonly created = new Map<string, V1Job>();
  /** Status this controller wrote, with the resourceVersion it wrote over: the cache may lag behind. */
  private readonly written = new Map<string, { status: BuildJobStatus; over: string | undefined }>();

  constructor(private readonly o: ReconcilerOptions) {}

  async reconcile(key: string): Promise<WorkResult> {
    const i = key.indexOf("/");
    const namespace = key.slice(0, i);
    const name = key.slice(i + 1);
    const raw = this.o.caches.buildJob(namespace, name) as
      { metadata?: { uid?: string; deletionTimestamp?: unknown }; status?: BuildJobStatus } | undefined;
    // Gone: its Job, pods and Secret go with it (owner references).
    if (!raw || raw.metadata?.deletionTimestamp) {
      // The Job is named like its BuildJob.
      this.created.delete(key);
      this.written.delete(key);
      return;
    }
    const now = this.now();

    const parsed = BuildJobSchema.safeParse(raw);
    if (!parsed.success) {
      // Permanent: fail it once, with the first problems, and never look at it again.
      if (raw.status?.phase === "Failed") return;
      const message = `invalid BuildJob: ${parsed.error.issues
        .slice(0, 3)
        .map((x) => `${x.path.join(".")}: ${x.message}`)
        .join("; ")}`;
      await this.writeStatus(namespace, name, failedStatus("InvalidSpec", message, now));
      return;
    }
    const bj = this.withOwnWrites(key, parsed.data);
    const prev = bj.status;

    if (prev && FINAL_PHASES.includes(prev.phase)) {
      const done = new Date(prev.completionTime ?? now).getTime();
      const left = done + this.o.retentionMs - now.getTime();
      if (left > 0) return { requeueAfterMs: left };
      await this.o.api.delete(paths.buildJob(namespace, name), { propagationPolicy: "Background" }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      this.o.log?.info({ buildJob: key }, "pruned a finished BuildJob");
      return;
    }

    const jn = jobName(bj.spec.taskRunId, bj.spec.attempt);
    let job = this.o.caches.job(namespace, jn);
    // Created by an earlier call that the informer has not shown us yet: no second POST.
    if (job) this.created.delete(`${namespace}/${jn}`);
    else job = this.created.get(`${namespace}/${jn}`);
    let jobDeleted = false;

    if (bj.spec.cancelRequested) {
      if (job || prev?.jobName) {
        // Foreground: the BuildJob says Cancelled only once the pods are on their way out.
        await this.o.api.delete(paths.job(namespace, jn), { propagationPolicy: "Foreground" }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
      // A Job that already finished keeps its outcome; otherwise it is Cancelled.
      const complete = job?.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
      const status = deriveStatus({ buildJob: bj, job: complete ? job : undefined, pods: [], now });
      await this.writeIfChanged(namespace, bj, status);
      return;
    }

    if (!job) {
      if (prev?.jobName) {
        // The informer may just be behind: only a direct read proves the Job is gone.
        job = await this.o.api.get<V1Job>(paths.job(namespace, jn)).catch((e) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
        if (!job) jobDeleted = true;
      } else {
        const created = await this.createJob(namespace, bj);
        if ("failure" in created) {
          await this.writeIfChanged(namespace, bj, failedStatus(created.reason, created.failure, now, bj.metadata.generation));
          return;
        }
        job = created.job;
        this.created.set(`${namespace}/${jn}`, job);
      }
    }

    const pods = this.o.caches.pods(namespace, name);
    const events = this.o.caches.events?.(namespace, name) ?? [];
    const status = deriveStatus({ buildJob: bj, job, jobDeleted, pods, events, now });
    // The Job was created by this call: say so in the status, or a restart would not know it.
    if (job && !status.jobName) status.jobName = jn;
    const unbound = unboundVolumes(bj, job, status, now, { limitMs: this.o.unboundLimitMs, storageClassName: this.o.storageClassName });
    if (unbound && "failure" in unbound) {
      // The pod would wait for its volumes until the Job's deadline: end it now, with the cause.
      await this.o.api.delete(paths.job(namespace, jn), { propagationPolicy: "Background" }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      await this.writeIfChanged(namespace, bj, failedStatus("VolumesUnbound", unbound.failure, now, bj.metadata.generation));
      return { requeueAfterMs: this.o.retentionMs };
    }
    await this.writeIfChanged(namespace, bj, status);
    if (unbound) return { requeueAfterMs: Math.min(unbound.recheckInMs, this.o.resyncMs ?? 30_000) };
    if (FINAL_PHASES.includes(status.phase)) return { requeueAfterMs: this.o.retentionMs };
    return { requeueAfterMs: this.o.resyncMs ?? 30_000 };
  }

  /** Looks the Job up before creating it; AlreadyExists is success when we own what exists. */
  private async createJob(ns: string, bj: BuildJob): Promise<{ job: V1Job } | { failure: string; reason: string }> {
    let desired: V1Job;
    try {
      desired = buildJobToJob(bj);
    } catch (e) {
      if (e instanceof ExecutorError && e.permanent) return { failure: e.message, reason: "InvalidSpec" };
      throw e;
    }
    if (this.o.decorateJob) desired = this.o.decorateJob(desired, bj);
    if (bj.spec.workspace.type === "PersistentVolumeClaim" && bj.spec.workspace.claimName) {
      await this.ensureClaim(ns, bj.spec.workspace.claimName, bj, this.o.workspaceSize ?? "1Gi");
    }
    if (bj.spec.cache) await this.ensureClaim(ns, bj.spec.cache.claimName, bj, "5Gi", true);
    const name = desired.metadata?.name;
    if (!name) throw new Error(`the Job made for BuildJob ${ns}/${bj.metadata.name} has no name`);
    try {
      const job = await this.o.api.create<V1Job>(paths.jobs(ns), desired);
      this.o.log?.info({ buildJob: `${ns}/${bj.metadata.name}`, job: name }, "created the Job");
      return { job };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    const existing = await this.o.api.get<V1Job>(paths.job(ns, name));
    const owner = existing.metadata?.ownerReferences?.find((r) => r.controller);
    if (owner?.uid !== bj.metadata.uid) {
      return { failure: `a Job named ${name} already exists and does not belong to this BuildJob`, reason: "JobConflict" };
    }
    return { job: existing };
  }

  /** The run's workspace (or the pipeline's cache): shared, so not owned by one BuildJob. */
  private async ensureClaim(ns: string, claimName: string, bj: BuildJob, size: string, many = false) {
    const pvc: V1PersistentVolumeClaim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      // The run's tasks share it, so it carries the run's labels, not one task's.
      metadata: {
        name: claimName,
        namespace: ns,
        labels: many ? { [LABEL.managedBy]: MANAGED_BY, [LABEL.pipeline]: labelValue(bj.spec.pipeline) } : runLabels(bj),
      },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: size } },
        ...(this.o.storageClassName ? { storageClassName: this.o.storageClassName } : {}),
      },
    };
    await this.o.api.create(paths.pvcs(ns), pvc).catch((e) => {
      if (!isAlreadyExists(e)) throw e;
    });
  }

  /**
   * The BuildJob as it is after our last status write: while the informer still holds the
   * version we wrote over, its status is the one we wrote (else every event in between would
   * write the same status again).
   */
  private withOwnWrites(key: string, bj: BuildJob): BuildJob {
    const w = this.written.get(key);
    if (!w) return bj;
    if (w.over !== undefined && w.over === bj.metadata.resourceVersion) return { ...bj, status: w.status };
    this.written.delete(key);
    return bj;
  }

  /** `namespace`: the BuildJob's, from the key it was looked up by. */
  private async writeIfChanged(namespace: string, bj: BuildJob, status: BuildJobStatus) {
    if (!needsWrite(bj.status, status)) return;
    await this.writeStatus(namespace, bj.metadata.name, status);
    this.written.set(`${namespace}/${bj.metadata.name}`, { status, over: bj.metadata.resourceVersion });
  }

  private async writeStatus(namespace: string, name: string, status: BuildJobStatus) {
    this.statusWrites++;
    await this.o.api.mergePatch(paths.buildJobStatus(namespace, name), { status }).catch((e) => {
      // Deleted meanwhile: nothing left to report on.
      if (!isNotFound(e)) throw e;
    });
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }
}

/**
 * Whether the new status is worth an API write: a phase change, a reason a person should see, a
 * final outcome. Quiet progress (Pending → Initializing) waits for the next phase change.
 */
export function needsWrite(prev: BuildJobStatus | undefined, next: BuildJobStatus): boolean {
  const reason = (s: BuildJobStatus | undefined) => s?.conditions?.find((c) => c.type === SUCCEEDED)?.reason;
  if (!prev) return !(next.phase === "Pending" && QUIET_REASONS.has(reason(next) ?? "Pending"));
  if (prev.phase !== next.phase) return true;
  if (FINAL_PHASES.includes(next.phase)) return false;
  const r = reason(next) ?? "";
  if (reason(prev) === r) return (prev.message ?? "") !== (next.message ?? "") && !QUIET_REASONS.has(r);
  return !QUIET_REASONS.has(r) || !QUIET_REASONS.has(reason(prev) ?? "");
}

function failedStatus(reason: string, message: string, now: Date, generation?: number): BuildJobStatus {
  const t = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    phase: "Failed",
    conditions: [{ type: SUCCEEDED, status: "False", reason, message, lastTransitionTime: t }],
    message,
    completionTime: t,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

function runLabels(bj: BuildJob): Record<string, string> {
  const all = childLabels(bj);
  return { [LABEL.managedBy]: all[LABEL.managedBy], [LABEL.run]: all[LABEL.run], [LABEL.pipeline]: all[LABEL.pipeline] };
}
