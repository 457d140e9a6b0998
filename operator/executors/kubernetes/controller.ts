import { Watch, type CoreV1Event, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Job, type V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Informer, labelledBuildJobKey, ownerBuildJobKey, ownKey } from "./informer";
import type { KubeApi } from "./kube-api";
import { paths } from "./kube-api";
import { LeaderElector } from "./leader-election";
import { LABEL, MANAGED_BY } from "./names";
import { Reconciler, type ReconcilerOptions } from "./reconcile";
import { WorkQueue } from "./work-queue";
import { operatorMetrics } from "@/server/metrics/operator";

/**
 * The BuildJob controller: informers on BuildJobs, Jobs and Pods of the build namespace (every
 * replica runs them: its executor waits on them), one work queue of BuildJob keys, and workers
 * that reconcile only while this replica holds the leader lease.
 */

export interface ControllerOptions extends Pick<ReconcilerOptions, "retentionMs" | "workspaceSize" | "storageClassName" | "decorateJob" | "resyncMs"> {
  api: KubeApi;
  kc: KubeConfig;
  namespace: string;
  /** null: no election, this replica always reconciles (a single operator). */
  leaderElection: { namespace: string; name: string; identity: string; leaseDurationMs?: number; retryMs?: number } | null;
  workers?: number;
  log?: Logger;
}

export class Controller {
  readonly buildJobs: Informer<KubernetesObject>;
  readonly jobs: Informer<V1Job>;
  readonly pods: Informer<V1Pod>;
  /** Events of the namespace: reasons for the status (FailedCreate, FailedScheduling) and lines next to the log. */
  readonly events: Informer<CoreV1Event>;
  readonly reconciler: Reconciler;
  private queue: WorkQueue | null = null;
  private workersDone: Promise<void> = Promise.resolve();
  private readonly elector: LeaderElector | null;
  private readonly listeners = new Set<(key: string) => void>();
  private started = false;

  constructor(private readonly o: ControllerOptions) {
    const ns = o.namespace;
    const watch = new Watch(o.kc);
    const sink = {
      add: (key: string) => {
        this.queue?.add(key);
        for (const l of this.listeners) l(key);
      },
    };
    const managed = `${LABEL.managedBy}=${MANAGED_BY}`;
    const list = <T extends KubernetesObject>(p: string, labelSelector?: string) => () => o.api.get<KubernetesListObject<T>>(p, labelSelector ? { labelSelector } : undefined);
    this.buildJobs = new Informer<KubernetesObject>({ name: "buildjobs", path: paths.buildJobs(ns), list: list(paths.buildJobs(ns)), watch, keys: ownKey, queue: sink, log: o.log });
    this.jobs = new Informer<V1Job>({ name: "jobs", path: paths.jobs(ns), list: list(paths.jobs(ns), managed), labelSelector: managed, watch, keys: ownerBuildJobKey, queue: sink, log: o.log });
    this.pods = new Informer<V1Pod>({ name: "pods", path: paths.pods(ns), list: list(paths.pods(ns), managed), labelSelector: managed, watch, keys: labelledBuildJobKey, queue: sink, log: o.log });
    this.events = new Informer<CoreV1Event>({ name: "events", path: paths.events(ns), list: list(paths.events(ns)), watch, keys: eventBuildJobKey, queue: sink, log: o.log });
    this.reconciler = new Reconciler({
      api: o.api,
      caches: {
        buildJob: (n, name) => this.buildJobs.get(n, name),
        job: (n, name) => this.jobs.get(n, name),
        pods: (n, bj) => this.podsOf(n, bj),
        events: (n, bj) => this.eventsOf(n, bj),
      },
      retentionMs: o.retentionMs,
      workspaceSize: o.workspaceSize,
      storageClassName: o.storageClassName,
      decorateJob: o.decorateJob,
      resyncMs: o.resyncMs,
      log: o.log,
    });
    this.elector = o.leaderElection
      ? new LeaderElector({
          api: o.api,
          ...o.leaderElection,
          onStartedLeading: () => this.lead(),
          onStoppedLeading: () => this.follow(),
          log: o.log,
        })
      : null;
  }

  get isLeader(): boolean {
    return this.queue !== null;
  }

  /** Starts the informers and, once they have listed, campaigns for the lease (or leads at once). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.buildJobs.start();
    this.jobs.start();
    this.pods.start();
    this.events.start();
    await Promise.all([this.buildJobs.synced, this.jobs.synced, this.pods.synced, this.events.synced]);
    if (this.elector) this.elector.start();
    else this.lead();
  }

  async stop(): Promise<void> {
    await this.elector?.stop();
    this.follow();
    await this.workersDone;
    this.buildJobs.stop();
    this.jobs.stop();
    this.pods.stop();
    this.events.stop();
  }

  /** Called with the BuildJob key whenever it, its Job or its pods change. */
  onChange(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  podsOf(namespace: string, buildJob: string): V1Pod[] {
    return this.pods.byKey(`${namespace}/${buildJob}`);
  }

  /** Events about the BuildJob's Job and its pods. */
  eventsOf(namespace: string, buildJob: string): CoreV1Event[] {
    return this.events.byKey(`${namespace}/${buildJob}`);
  }

  private lead() {
    if (this.queue) return;
    const queue = new WorkQueue();
    this.queue = queue;
    const m = operatorMetrics();
    m.trackQueue("buildjobs", () => this.queue?.length ?? 0);
    this.workersDone = queue.run(
      async (key) => {
        const t0 = performance.now();
        let result = "error";
        try {
          const r = await this.reconciler.reconcile(key);
          result = r ? "requeue" : "ok";
          return r;
        } finally {
          m.reconcileDuration.observe({ result }, (performance.now() - t0) / 1000);
        }
      },
      {
        concurrency: this.o.workers ?? 4,
        onError: (key, err) => {
          m.reconcileErrors.inc();
          this.o.log?.warn({ buildJob: key, err: (err as Error).message }, "reconcile failed; retrying");
        },
      },
    );
    // Level-based: a new leader looks at everything, whatever it missed while following.
    this.buildJobs.resync();
  }

  private follow() {
    this.queue?.shutdown();
    this.queue = null;
  }
}

/** Job events name the Job (named like its BuildJob); pod events name the pod (`<job>-<5 characters>`). */
export function eventBuildJobKey(e: CoreV1Event): string[] {
  const o = e.involvedObject;
  if (!o?.name || !o.name.startsWith("gantry-")) return [];
  const ns = o.namespace ?? e.metadata?.namespace ?? "";
  if (o.kind === "Job" || o.kind === "BuildJob") return [`${ns}/${o.name}`];
  if (o.kind === "Pod") {
    const m = /^(.*)-[a-z0-9]{5}$/.exec(o.name);
    return m ? [`${ns}/${m[1]}`] : [];
  }
  return [];
}
