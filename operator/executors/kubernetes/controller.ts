import {
  Watch,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
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
 * The BuildJob controller: informers on the BuildJobs, Jobs, Pods and Events of each namespace
 * where projects build (every replica runs them: its executor waits on them), one work queue of
 * BuildJob keys, and workers that reconcile only while this replica holds the leader lease.
 * Namespaces are watched one by one rather than cluster-wide, so the operator also works with a
 * RoleBinding per project namespace; a project's namespace is added when it is first used.
 */

export interface ControllerOptions extends Pick<
  ReconcilerOptions,
  "retentionMs" | "workspaceSize" | "storageClassName" | "decorateJob" | "resyncMs" | "unboundLimitMs"
> {
  api: KubeApi;
  kc: KubeConfig;
  /** The operator's own namespace (the default project's, the leader Lease's): always watched. */
  namespace: string;
  /** More namespaces to watch from the start (the projects' that build on Kubernetes). */
  namespaces?: readonly string[];
  /** null: no election, this replica always reconciles (a single operator). */
  leaderElection: { namespace: string; name: string; identity: string; leaseDurationMs?: number; retryMs?: number } | null;
  workers?: number;
  log?: Logger;
}

/** The four informers of one namespace. */
class NamespaceWatch {
  readonly buildJobs: Informer<KubernetesObject>;
  readonly jobs: Informer<V1Job>;
  readonly pods: Informer<V1Pod>;
  /** Reasons for the status (FailedCreate, FailedScheduling) and lines next to the log. */
  readonly events: Informer<CoreV1Event>;

  constructor(ns: string, api: KubeApi, watch: Watch, sink: { add(key: string): void }, log?: Logger) {
    const managed = `${LABEL.managedBy}=${MANAGED_BY}`;
    const list =
      <T extends KubernetesObject>(p: string, labelSelector?: string) =>
      () =>
        api.get<KubernetesListObject<T>>(p, labelSelector ? { labelSelector } : undefined);
    // Informer names carry the namespace, for the logs of a watch that fails.
    const named = (kind: string) => `${ns}/${kind}`;
    this.buildJobs = new Informer<KubernetesObject>({
      name: named("buildjobs"),
      path: paths.buildJobs(ns),
      list: list(paths.buildJobs(ns)),
      watch,
      keys: ownKey,
      queue: sink,
      log,
    });
    this.jobs = new Informer<V1Job>({
      name: named("jobs"),
      path: paths.jobs(ns),
      list: list(paths.jobs(ns), managed),
      labelSelector: managed,
      watch,
      keys: ownerBuildJobKey,
      queue: sink,
      log,
    });
    this.pods = new Informer<V1Pod>({
      name: named("pods"),
      path: paths.pods(ns),
      list: list(paths.pods(ns), managed),
      labelSelector: managed,
      watch,
      keys: labelledBuildJobKey,
      queue: sink,
      log,
    });
    this.events = new Informer<CoreV1Event>({
      name: named("events"),
      path: paths.events(ns),
      list: list(paths.events(ns)),
      watch,
      keys: eventBuildJobKey,
      queue: sink,
      log,
    });
  }

  private get all() {
    return [this.buildJobs, this.jobs, this.pods, this.events] as const;
  }

  start(): Promise<void> {
    for (const i of this.all) i.start();
    return Promise.all(this.all.map((i) => i.synced)).then(() => undefined);
  }

  stop() {
    for (const i of this.all) i.stop();
  }
}

export class Controller {
  readonly reconciler: Reconciler;
  private readonly watches = new Map<string, { watch: NamespaceWatch; synced: Promise<void> }>();
  private readonly watchClient: Watch;
  private readonly sink: { add(key: string): void };
  private queue: WorkQueue | null = null;
  private workersDone: Promise<void> = Promise.resolve();
  private readonly elector: LeaderElector | null;
  private readonly listeners = new Set<(key: string) => void>();
  private started = false;

  constructor(private readonly o: ControllerOptions) {
    this.watchClient = new Watch(o.kc);
    this.sink = {
      add: (key: string) => {
        this.queue?.add(key);
        for (const l of this.listeners) l(key);
      },
    };
    for (const ns of new Set([o.namespace, ...(o.namespaces ?? [])]))
      this.watches.set(ns, { watch: new NamespaceWatch(ns, o.api, this.watchClient, this.sink, o.log), synced: Promise.resolve() });
    this.reconciler = new Reconciler({
      api: o.api,
      caches: {
        buildJob: (n, name) => this.buildJob(n, name),
        job: (n, name) => this.watches.get(n)?.watch.jobs.get(n, name),
        pods: (n, bj) => this.podsOf(n, bj),
        events: (n, bj) => this.eventsOf(n, bj),
      },
      retentionMs: o.retentionMs,
      workspaceSize: o.workspaceSize,
      storageClassName: o.storageClassName,
      unboundLimitMs: o.unboundLimitMs,
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
    for (const w of this.watches.values()) w.synced = w.watch.start();
    await Promise.all([...this.watches.values()].map((w) => w.synced));
    if (this.elector) this.elector.start();
    else this.lead();
  }

  async stop(): Promise<void> {
    await this.elector?.stop();
    this.follow();
    await this.workersDone;
    for (const w of this.watches.values()) w.watch.stop();
  }

  /**
   * Watches one more namespace (a project's, when its first task is about to start there);
   * resolves once its caches are filled, at once when it is already watched. A new leader's
   * queue gets its BuildJobs from the informers' first list.
   */
  watchNamespace(ns: string, timeoutMs = 30_000): Promise<void> {
    let w = this.watches.get(ns);
    if (!w) {
      const watch = new NamespaceWatch(ns, this.o.api, this.watchClient, this.sink, this.o.log);
      w = { watch, synced: this.started ? watch.start() : Promise.resolve() };
      this.watches.set(ns, w);
      this.o.log?.info({ namespace: ns }, "watching a project namespace");
    }
    // The informers keep retrying (a RoleBinding may come later); the caller need not wait forever.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `could not list the BuildJobs, Jobs, Pods and Events of namespace ${ns} within ${timeoutMs / 1000} s (is the operator allowed there? see deploy/README.md)`,
            ),
          ),
        timeoutMs,
      );
      timer.unref?.();
    });
    return Promise.race([w.synced, late]).finally(() => clearTimeout(timer));
  }

  /** The namespaces this controller watches. */
  get namespaces(): string[] {
    return [...this.watches.keys()];
  }

  isWatching(ns: string): boolean {
    return this.watches.has(ns);
  }

  /** Called with the BuildJob key whenever it, its Job or its pods change. */
  onChange(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  buildJob(namespace: string, name: string): KubernetesObject | undefined {
    return this.watches.get(namespace)?.watch.buildJobs.get(namespace, name);
  }

  pod(namespace: string, name: string): V1Pod | undefined {
    return this.watches.get(namespace)?.watch.pods.get(namespace, name);
  }

  /** A BuildJob by name in whichever watched namespace holds it. */
  findBuildJob(name: string): KubernetesObject | undefined {
    for (const [ns, w] of this.watches) {
      const bj = w.watch.buildJobs.get(ns, name);
      if (bj) return bj;
    }
    return undefined;
  }

  podsOf(namespace: string, buildJob: string): V1Pod[] {
    return this.watches.get(namespace)?.watch.pods.byKey(`${namespace}/${buildJob}`) ?? [];
  }

  /** Events about the BuildJob's Job and its pods. */
  eventsOf(namespace: string, buildJob: string): CoreV1Event[] {
    return this.watches.get(namespace)?.watch.events.byKey(`${namespace}/${buildJob}`) ?? [];
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
    for (const w of this.watches.values()) w.watch.buildJobs.resync();
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
