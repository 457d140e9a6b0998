import type { V1Secret } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isDbDown } from "@/server/http/errors";
import type { LogLine } from "@/server/logs/store";
import { ExecutorError, type ExecHandle, type ExecResult, type ExecTask, type Executor, type LogSink, type OrphanTask } from "../types";
import { buildJobFor, ownedSecret, type BuildJobInput } from "./build-job";
import { BuildJobSchema, type BuildJob, type BuildJobStatus } from "./buildjob-schema";
import type { Controller } from "./controller";
import { EventLines } from "./events";
import { isAlreadyExists, isNotFound, KubeApiError, paths, retryTransient, type KubeApi } from "./kube-api";
import { PodLogs } from "./log-follower";
import { buildJobName, workspaceClaimName } from "./names";
import { execResultOf, SUCCEEDED } from "./status";

/**
 * The Kubernetes executor: an attempt becomes a BuildJob (and its params Secret); the controller
 * (on whichever replica leads) makes the Job; this side waits on the BuildJob's status through
 * the informers' cache, follows the pods' logs and shows their events, and cancels by asking the
 * controller (`spec.cancelRequested`). The handle's ref `k8s:<namespace>/<name>` is enough for a
 * restarted operator to re-attach (`resume`).
 */

/** What the executor needs beyond the ExecTask, from the database. */
export type TaskDetails = Pick<BuildJobInput, "pipeline" | "singleTaskRun" | "template" | "taskResources" | "project" | "source"> & {
  secretParams: readonly string[];
  /** The project's namespace: where the BuildJob goes. */
  namespace: string;
};

export interface KubernetesExecutorOptions {
  api: KubeApi;
  controller: Controller;
  describe: (task: ExecTask) => Promise<TaskDetails>;
  /** Creates a project namespace the BuildJob found missing (a project newer than the last sync). */
  ensureNamespace?: (namespace: string) => Promise<void>;
  /** The namespace of a run's BuildJobs, for a run this process has not started a task of. */
  namespaceOfRun: (runId: string) => Promise<string>;
  /** "emptyDir": runs share no workspace (clusters without a volume provisioner). */
  workspace?: "pvc" | "emptyDir";
  log?: Logger;
}

export const REF_PREFIX = "k8s:";
/** How long starting a task rides out a throttling or unreachable apiserver before it fails the task. */
const START_RETRY_MS = 120_000;
const QUIET = new Set(["Creating", "Pending", "Running", "Initializing", "ContainerCreating", "PodInitializing", "Succeeded"]);

export function parseRef(ref: string | null | undefined): { namespace: string; name: string } | null {
  const m = /^k8s:([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(ref ?? "");
  return m ? { namespace: m[1], name: m[2] } : null;
}

export class KubernetesExecutor implements Executor {
  readonly kind = "kubernetes" as const;

  /** Run → the namespace its BuildJobs went to, for releaseRun without a database round trip. */
  private readonly runNamespaces = new Map<string, string>();

  constructor(private readonly o: KubernetesExecutorOptions) {}

  async start(task: ExecTask, sink: LogSink): Promise<ExecHandle> {
    let details: TaskDetails;
    try {
      // A database that restarts (its connections lost) comes back: wait for it as for the apiserver.
      details = await retryTransient(() => this.o.describe(task), START_RETRY_MS, undefined, isDbDown);
    } catch (e) {
      throw new ExecutorError(`cannot prepare the BuildJob: ${(e as Error).message}`, false);
    }
    const ns = details.namespace;
    this.runNamespaces.set(task.runId, ns);
    // Its informers first: the handle waits on the BuildJob through their caches.
    await retryTransient(() => this.o.controller.watchNamespace(ns), START_RETRY_MS).catch((e: unknown) => {
      throw new ExecutorError((e as Error).message, false);
    });
    const { buildJob, paramsSecret } = buildJobFor({
      taskRunId: task.taskRunId,
      runId: task.runId,
      task: task.taskName,
      stage: task.stageName,
      attempt: task.attempt,
      plan: task.plan,
      params: task.env,
      ...details,
      // The scheduler's list also names the project secrets the task uses (resolved into `env`).
      secretParams: [...new Set([...details.secretParams, ...(task.secretParams ?? [])])],
      cloneSecrets: task.cloneSecrets,
      singleTaskRun: details.singleTaskRun || this.o.workspace === "emptyDir",
    });
    const name = buildJob.metadata.name;
    let created: BuildJob;
    try {
      // A throttling (429) or briefly unreachable apiserver must not fail the task: it is tried
      // again for a while. AlreadyExists after a lost answer is handled below.
      created = await retryTransient(() => this.createBuildJob(ns, buildJob), START_RETRY_MS);
    } catch (e) {
      if (isAlreadyExists(e)) {
        // An earlier start of this attempt whose answer was lost: the same object, by its name.
        created = await this.o.api.get<BuildJob>(paths.buildJob(ns, name));
      } else if (e instanceof KubeApiError && (e.code === 422 || e.code === 400)) {
        throw new ExecutorError(`the cluster refused the BuildJob: ${e.message}`, true);
      } else {
        throw new ExecutorError(`cannot create the BuildJob: ${(e as Error).message}`, false);
      }
    }
    if (paramsSecret) {
      await retryTransient(
        () =>
          this.o.api.create<V1Secret>(paths.secrets(ns), ownedSecret(paramsSecret, created)).catch((e) => {
            if (!isAlreadyExists(e)) throw e;
          }),
        START_RETRY_MS,
      ).catch((e: Error) => {
        throw new ExecutorError(`cannot create the params Secret: ${e.message}`, false);
      });
    }
    sink.system(`BuildJob ${ns}/${name} created`);
    return new BuildJobHandle(this.o, ns, name, sink, {}, task.progress);
  }

  /** A project created since the last namespace sync has no namespace yet: make it, then create again. */
  private async createBuildJob(ns: string, buildJob: BuildJob): Promise<BuildJob> {
    try {
      return await this.o.api.create<BuildJob>(paths.buildJobs(ns), buildJob);
    } catch (e) {
      if (!isNotFound(e) || !this.o.ensureNamespace) throw e;
      await this.o.ensureNamespace(ns);
      return this.o.api.create<BuildJob>(paths.buildJobs(ns), buildJob);
    }
  }

  /** Every attempt is a BuildJob with a deterministic name: found again even if its ref was never recorded. */
  canResume(ref: string | null): boolean {
    return ref === null || parseRef(ref) !== null;
  }

  /**
   * Re-attaches to an attempt a previous life of this operator started. When there is no such
   * BuildJob (the operator died before creating it), the attempt starts now: creating is
   * idempotent by name, so nothing can run twice.
   */
  async resume(
    task: ExecTask,
    ref: string | null,
    sink: LogSink,
    opts: { notBefore?: Date; tail?: readonly LogLine[] } = {},
  ): Promise<ExecHandle> {
    let r = parseRef(ref);
    if (!r) {
      // Never recorded: the name is deterministic, the namespace is the project's.
      const details = await this.o.describe(task).catch((e) => {
        throw new ExecutorError(`cannot find the task's project namespace: ${(e as Error).message}`, false);
      });
      r = { namespace: details.namespace, name: buildJobName(task.taskRunId, task.attempt) };
    }
    this.runNamespaces.set(task.runId, r.namespace);
    await this.o.controller.watchNamespace(r.namespace).catch((e: unknown) => {
      throw new ExecutorError((e as Error).message, false);
    });
    try {
      await this.o.api.get(paths.buildJob(r.namespace, r.name));
    } catch (e) {
      if (isNotFound(e)) {
        if (ref) throw new ExecutorError(`the BuildJob ${r.namespace}/${r.name} no longer exists`, false);
        return this.start(task, sink);
      }
      throw new ExecutorError(`cannot read the BuildJob ${r.namespace}/${r.name}: ${(e as Error).message}`, false);
    }
    sink.system(`following BuildJob ${r.namespace}/${r.name} again (operator restarted or took the task over)`);
    return new BuildJobHandle(this.o, r.namespace, r.name, sink, { notBefore: opts.notBefore, tail: opts.tail }, task.progress);
  }

  /**
   * A dead operator's attempt goes on in the cluster without it: adopt it when its BuildJob is in
   * a namespace this operator watches (by its recorded ref, or, when the ref was never recorded,
   * by its deterministic name in the informers' caches).
   */
  canAdopt(t: { taskRunId: string; attempt: number; executorRef: string | null }): boolean {
    const r = parseRef(t.executorRef);
    if (r) return this.o.controller.isWatching(r.namespace);
    if (t.executorRef !== null) return false;
    return !!this.o.controller.findBuildJob(buildJobName(t.taskRunId, Math.max(1, t.attempt)));
  }

  async reapOrphan(o: OrphanTask): Promise<boolean> {
    const r = parseRef(o.executorRef);
    if (!r) return false;
    try {
      await this.o.api.mergePatch(paths.buildJob(r.namespace, r.name), {
        spec: { cancelRequested: true, cancelMessage: "its operator stopped responding" },
      });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * Deletes the run's workspace PVC, if it has one: none with `emptyDir` workspaces, nor for a
   * run of one task; looked up first (a read), so runs without one cost no write.
   */
  async releaseRun(runId: string): Promise<void> {
    if (this.o.workspace === "emptyDir") return;
    const ns = this.runNamespaces.get(runId) ?? (await this.o.namespaceOfRun(runId));
    this.runNamespaces.delete(runId);
    const p = paths.pvc(ns, workspaceClaimName(runId));
    try {
      await this.o.api.get(p);
      await this.o.api.delete(p);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

class BuildJobHandle implements ExecHandle {
  readonly ref: string;
  private readonly result: Promise<ExecResult>;
  private cancelMessage: string | null = null;
  private released = false;
  private wakeWatch: () => void = () => {};

  constructor(
    private readonly o: KubernetesExecutorOptions,
    private readonly namespace: string,
    private readonly name: string,
    private readonly sink: LogSink,
    private readonly resumeFrom: { notBefore?: Date; tail?: readonly LogLine[] },
    private readonly progress?: (message: string | null) => void,
  ) {
    this.ref = `${REF_PREFIX}${namespace}/${name}`;
    this.result = this.watch().catch((e) => {
      o.log?.error({ err: e, buildJob: this.ref }, "waiting on the BuildJob failed");
      return {
        exitCode: null,
        signal: null,
        timedOut: false,
        cancelled: false,
        message: `internal error while waiting on the BuildJob: ${(e as Error).message}`,
        permanent: false,
      };
    });
  }

  wait(): Promise<ExecResult> {
    return this.result;
  }

  cancel(reason: string): void {
    if (this.cancelMessage !== null) return;
    this.cancelMessage = reason;
    void (async () => {
      for (let i = 0; i < 20; i++) {
        try {
          await this.o.api.mergePatch(paths.buildJob(this.namespace, this.name), {
            spec: { cancelRequested: true, cancelMessage: reason.slice(0, 1000) },
          });
          return;
        } catch (e) {
          if (isNotFound(e)) return;
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** i)));
        }
      }
    })();
  }

  /** Stops following the BuildJob (another operator follows it now); it goes on in the cluster. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.wakeWatch();
  }

  private async watch(): Promise<ExecResult> {
    const { controller } = this.o;
    const key = `${this.namespace}/${this.name}`;
    const followers = new Map<string, PodLogs>();
    // Events the previous operator already showed are not shown again.
    const events = new EventLines((this.resumeFrom.tail ?? []).filter((l) => l.stream === "sys").map((l) => l.text));
    let lastReason = "";
    let missingSince = 0;
    let wake: () => void = () => {};
    this.wakeWatch = () => wake();
    const off = controller.onChange((k) => k === key && wake());
    try {
      for (;;) {
        if (this.released)
          return {
            exitCode: null,
            signal: null,
            timedOut: false,
            cancelled: false,
            message: "another operator follows this BuildJob now",
            permanent: false,
          };
        const raw = controller.buildJob(this.namespace, this.name);
        let status: BuildJobStatus | undefined;
        if (!raw) {
          missingSince ||= Date.now();
          if (Date.now() - missingSince > 5000) {
            const gone = await this.o.api.get(paths.buildJob(this.namespace, this.name)).then(
              () => false,
              (e) => isNotFound(e),
            );
            if (gone)
              return {
                exitCode: null,
                signal: null,
                timedOut: false,
                cancelled: this.cancelMessage !== null,
                message: this.cancelMessage ?? "the BuildJob was deleted before it finished",
                permanent: false,
              };
            missingSince = Date.now();
          }
        } else {
          missingSince = 0;
          const parsed = BuildJobSchema.safeParse(raw);
          status = parsed.success ? parsed.data.status : (raw as { status?: BuildJobStatus }).status;
        }
        for (const pod of controller.podsOf(this.namespace, this.name)) {
          const podName = pod.metadata?.name;
          if (!podName) continue;
          let f = followers.get(podName);
          if (!f) {
            f = new PodLogs(podName, {
              api: this.o.api,
              namespace: this.namespace,
              sink: this.sink,
              pod: () => controller.pod(this.namespace, podName),
              notBefore: this.resumeFrom.notBefore,
              storedTail: this.resumeFrom.tail,
              log: this.o.log,
            });
            followers.set(podName, f);
          }
          f.poke();
        }
        // Set exactly when the BuildJob's phase is final.
        const result = status ? execResultOf(status) : null;
        const cond = status?.conditions?.find((c) => c.type === SUCCEEDED);
        if (cond && cond.reason !== lastReason) {
          const waiting = !QUIET.has(cond.reason) && !!cond.message && !result;
          if (waiting) {
            this.sink.system(`${cond.reason}: ${cond.message}`);
            this.progress?.(`${cond.reason}: ${cond.message}`);
          } else if (lastReason && !QUIET.has(lastReason) && !result) {
            this.progress?.(null);
          }
          lastReason = cond.reason;
        }
        for (const line of events.take(controller.eventsOf(this.namespace, this.name))) this.sink.system(line);
        if (result) {
          // Every line before the end: the streams close once their containers have terminated.
          await Promise.race([Promise.all([...followers.values()].map((f) => f.done())), new Promise((r) => setTimeout(r, 15_000))]);
          for (const f of followers.values()) f.stop();
          return result;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      off();
      for (const f of followers.values()) f.stop();
    }
  }
}
