import {
  ADD,
  DELETE,
  ERROR,
  ListWatch,
  UPDATE,
  type KubernetesListObject,
  type KubernetesObject,
  type Watch,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { LABEL } from "./names";

/**
 * An informer over client-node's ListWatch that only puts keys on the work queue (STYLE.md #15).
 * ListWatch keeps the cache, resumes a watch from the last resourceVersion it saw and relists on
 * 410 Gone, but after any other error it just stops; this wrapper restarts it with back-off.
 * A restart happens only from the error callback, when ListWatch has finished with its previous
 * request: starting a ListWatch twice would run two watches that abort each other.
 */

/** What ListWatch needs of client-node's Watch; the tests give it a scripted one. */
export type WatchClient = Pick<Watch, "watch">;

export interface InformerOptions<T extends KubernetesObject> {
  /** For logs: "buildjobs", "jobs", "pods". */
  name: string;
  /** Collection path to watch, e.g. `/apis/batch/v1/jobs` (all namespaces). */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  watch: WatchClient;
  labelSelector?: string;
  /** Queue keys (`namespace/name` of the BuildJob to reconcile) for an object that changed. */
  keys: (obj: T) => string[];
  queue: { add(key: string): void };
  /** Also re-queue every cached object this often, so nothing waits on an event that was missed. */
  resyncMs?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  log?: Logger;
}

/**
 * Drops `metadata.managedFields` (server-side apply's bookkeeping, which nothing here reads) from
 * an object before it is cached, as client-go's informers are commonly told to: a third to a half
 * of each cached pod, Job and BuildJob, and thousands of small objects on the heap.
 */
function stripManagedFields(obj: KubernetesObject | undefined) {
  if (obj?.metadata?.managedFields) delete obj.metadata.managedFields;
}

export class Informer<T extends KubernetesObject> {
  private readonly lw: ListWatch<T>;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private syncedResolve!: () => void;
  /** Resolves once the first list is in the cache: reconcile nothing before, or "missing" means "not seen yet". */
  readonly synced: Promise<void> = new Promise((r) => (this.syncedResolve = r));
  private isSynced = false;
  /** Key → the objects it stands for (by `namespace/name`), and each object's keys. */
  private readonly index = new Map<string, Map<string, T>>();
  private readonly keysOf = new Map<string, string[]>();

  constructor(private readonly opts: InformerOptions<T>) {
    const list = async () => {
      const l = await opts.list();
      this.failures = 0;
      for (const o of l.items) stripManagedFields(o);
      return l;
    };
    // ListWatch calls watch() right after it has put the list in its cache: the cache is synced.
    const watch: WatchClient = {
      watch: (path, query, cb, done) => {
        if (!this.isSynced) {
          this.isSynced = true;
          this.syncedResolve();
        }
        return opts.watch.watch(
          path,
          query,
          (type, obj, raw) => {
            if (type !== "ERROR") this.failures = 0;
            stripManagedFields(obj as T);
            cb(type, obj, raw);
          },
          done,
        );
      },
    };
    this.lw = new ListWatch<T>(opts.path, watch as Watch, list, false, opts.labelSelector);
    const enqueue = (obj: T) => {
      for (const k of opts.keys(obj)) opts.queue.add(k);
    };
    // The index first: whoever a key wakes reads the objects of that key as they are now.
    this.lw.on(ADD, (obj) => (this.indexObject(obj, false), enqueue(obj)));
    this.lw.on(UPDATE, (obj) => (this.indexObject(obj, false), enqueue(obj)));
    this.lw.on(DELETE, (obj) => (this.indexObject(obj, true), enqueue(obj)));
    this.lw.on(ERROR, (err) => this.onError(err));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.lw.start();
    if (this.opts.resyncMs) {
      this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
      this.resyncTimer.unref?.();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.restartTimer = this.resyncTimer = null;
    void this.lw.stop();
  }

  get(namespace: string, name: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace);
  }

  /**
   * The cached objects that `keys` maps to this key (the pods or events of one BuildJob), from an
   * index kept with the cache: a look-up per key, not a scan of every object of the namespace,
   * which grew with the retention period and cost every waiting task a scan per second.
   */
  byKey(key: string): T[] {
    const m = this.index.get(key);
    return m ? [...m.values()] : [];
  }

  private indexObject(obj: T, deleted: boolean) {
    const id = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
    for (const k of this.keysOf.get(id) ?? []) {
      const m = this.index.get(k);
      m?.delete(id);
      if (m && m.size === 0) this.index.delete(k);
    }
    this.keysOf.delete(id);
    if (deleted) return;
    const keys = this.opts.keys(obj);
    if (!keys.length) return;
    this.keysOf.set(id, keys);
    for (const k of keys) {
      let m = this.index.get(k);
      if (!m) this.index.set(k, (m = new Map()));
      m.set(id, obj);
    }
  }

  get resourceVersion(): string {
    return this.lw.latestResourceVersion();
  }

  /** Failed list/watch attempts in a row. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Queues every cached object, as after a missed event. */
  resync(): void {
    for (const obj of this.lw.list()) for (const k of this.opts.keys(obj)) this.opts.queue.add(k);
  }

  private onError(err: unknown) {
    // Our own stop() aborts the request, which ListWatch reports as an error.
    if (this.stopped || this.restartTimer) return;
    const delay = Math.min(this.opts.backoff?.maxMs ?? 30_000, (this.opts.backoff?.baseMs ?? 500) * 2 ** Math.min(this.failures, 20));
    this.failures++;
    const level = this.failures === 1 || this.failures % 10 === 0 ? "warn" : "debug";
    this.opts.log?.[level]({ informer: this.opts.name, err: errorText(err), failures: this.failures, delay }, "watch failed; restarting");
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      // Resumes from the last resourceVersion; ListWatch relists by itself if that is gone (410).
      if (!this.stopped) void this.lw.start();
    }, delay);
    this.restartTimer.unref?.();
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === "object" && "statusCode" in err) return `HTTP ${(err as { statusCode: unknown }).statusCode}`;
  return String(err);
}

// ---------------------------------------------------------------- keys

type Meta = KubernetesObject & {
  metadata?: {
    namespace?: string;
    name?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
};

/** A BuildJob's own key. */
export function ownKey(obj: Meta): string[] {
  const { namespace, name } = obj.metadata ?? {};
  return name ? [`${namespace ?? ""}/${name}`] : [];
}

/** The BuildJob controlling a Job (its controller ownerReference). */
export function ownerBuildJobKey(obj: Meta): string[] {
  const owner = obj.metadata?.ownerReferences?.find((o) => o.controller && o.kind === "BuildJob");
  return owner ? [`${obj.metadata?.namespace ?? ""}/${owner.name}`] : [];
}

/** The BuildJob of a pod: pods are owned by the Job, so the label says which BuildJob it serves. */
export function labelledBuildJobKey(obj: Meta): string[] {
  const name = obj.metadata?.labels?.[LABEL.buildJob];
  return name ? [`${obj.metadata?.namespace ?? ""}/${name}`] : [];
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
