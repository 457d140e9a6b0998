import { ExecutorError, type ExecHandle, type ExecTask, type Executor, type LogSink, type OrphanTask } from "./types";
import type { LogLine } from "@/server/logs/store";
import { isDbDown } from "@/server/http/errors";
import { retryTransient } from "./kubernetes/kube-api";

/** How long a task's start waits for a database that is restarting (its connections lost). */
const DB_WAIT_MS = 120_000;

/**
 * Runs each task on its project's executor (the project setting, else GANTRY_EXECUTOR): one
 * operator serves projects that build as local processes and projects that build as BuildJobs.
 * Kubernetes mode is started on first need when the server default is local, so an operator
 * with no project on a cluster never needs a kubeconfig. Refs say which executor started an
 * attempt (`local:…`, `k8s:…`), which is what resume, adoption and reaping go by.
 */

type Kind = "local" | "kubernetes";

/** Kubernetes mode, started when first asked for (or at once, when it is the default). */
export interface LazyExecutor {
  get(): Promise<Executor>;
  /** The executor once started, else null. */
  readonly current: Executor | null;
}

export interface ProjectExecutorsOptions {
  defaultKind: Kind;
  local: Executor;
  kubernetes: LazyExecutor;
  /** Which executor runs the run's tasks (its project's setting, else the default). */
  kindOfRun: (runId: string) => Promise<Kind>;
}

const K8S_REF = /^k8s:/;

export class ProjectExecutors implements Executor {
  readonly kind: Kind;
  /** Run → its executor kind: one look-up per run, and a run keeps its executor to the end. */
  private readonly kinds = new Map<string, Kind>();

  constructor(private readonly o: ProjectExecutorsOptions) {
    this.kind = o.defaultKind;
  }

  /** Starts Kubernetes mode on demand; its failure is the task's, said plainly. */
  static lazy(start: () => Promise<Executor>): LazyExecutor {
    let started: Promise<Executor> | null = null;
    let current: Executor | null = null;
    return {
      get current() {
        return current;
      },
      get() {
        started ??= start().then(
          (e) => (current = e),
          (e: unknown) => {
            started = null;
            throw e;
          },
        );
        return started;
      },
    };
  }

  private async kindOf(runId: string): Promise<Kind> {
    let k = this.kinds.get(runId);
    if (!k) {
      k = await retryTransient(() => this.o.kindOfRun(runId), DB_WAIT_MS, undefined, isDbDown).catch((e: unknown) => {
        throw new ExecutorError(`cannot tell which executor runs this project's tasks: ${(e as Error).message}`, false);
      });
      this.kinds.set(runId, k);
    }
    return k;
  }

  private async kubernetes(): Promise<Executor> {
    try {
      return await this.o.kubernetes.get();
    } catch (e) {
      const msg = (e as Error).message;
      // Without a kubeconfig nothing a retry does can help; a cluster that does not answer may come back.
      throw new ExecutorError(
        `this project runs its tasks on Kubernetes, but Kubernetes mode could not start: ${msg}`,
        /kubeconfig/i.test(msg),
      );
    }
  }

  private async executorFor(task: ExecTask): Promise<Executor> {
    return (await this.kindOf(task.runId)) === "kubernetes" ? this.kubernetes() : this.o.local;
  }

  async start(task: ExecTask, sink: LogSink): Promise<ExecHandle> {
    return (await this.executorFor(task)).start(task, sink);
  }

  /**
   * A BuildJob outlives the operator; a process does not. A ref never recorded is taken for a
   * BuildJob (found by its deterministic name) only where Kubernetes is the default: elsewhere it
   * is most likely a local process, and starting that again could run it twice.
   */
  canResume(ref: string | null): boolean {
    return ref === null ? this.o.defaultKind === "kubernetes" : K8S_REF.test(ref);
  }

  async resume(
    task: ExecTask,
    ref: string | null,
    sink: LogSink,
    opts?: { notBefore?: Date; tail?: readonly LogLine[] },
  ): Promise<ExecHandle> {
    if (ref !== null && K8S_REF.test(ref)) {
      const k = await this.kubernetes();
      if (!k.resume) throw new ExecutorError("this Kubernetes executor cannot re-attach to a running task", true);
      return k.resume(task, ref, sink, opts);
    }
    // No ref recorded: a BuildJob may exist under its deterministic name; a local task never started.
    const e = await this.executorFor(task);
    return e.resume ? e.resume(task, ref, sink, opts) : e.start(task, sink);
  }

  canAdopt(t: { taskRunId: string; attempt: number; executorRef: string | null }): boolean {
    const k = this.o.kubernetes.current;
    if (k?.canAdopt) return k.canAdopt(t);
    // Not started yet: a recorded BuildJob ref is taken over (resuming starts Kubernetes mode).
    return t.executorRef !== null && K8S_REF.test(t.executorRef);
  }

  async reapOrphan(o: OrphanTask): Promise<boolean> {
    if (o.executorRef && K8S_REF.test(o.executorRef)) return (await this.kubernetes()).reapOrphan(o);
    return this.o.local.reapOrphan(o);
  }

  /** A local task's metrics file (operator/metrics.ts); a BuildJob's metrics arrive in its log instead. */
  collectMetrics(task: { runId: string; taskRunId: string }): Promise<string | null> {
    const local = this.o.local as Executor & { collectMetrics?: (t: { runId: string; taskRunId: string }) => Promise<string | null> };
    return local.collectMetrics ? local.collectMetrics(task) : Promise.resolve(null);
  }

  async releaseRun(runId: string): Promise<void> {
    const kind = this.kinds.get(runId) ?? (await this.kindOf(runId).catch(() => null));
    this.kinds.delete(runId);
    // When the look-up failed, both: each finds nothing of a run that was not its own.
    if (kind !== "kubernetes") await this.o.local.releaseRun(runId);
    if (kind !== "local") await (kind === "kubernetes" ? await this.kubernetes() : this.o.kubernetes.current)?.releaseRun(runId);
  }
}
