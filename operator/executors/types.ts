import type { FailureReason } from "@/lib/failure-reason";
import type { TaskPlan } from "@/lib/plan";
import type { LogLine } from "@/server/logs/store";
import type { LogWriter } from "@/server/logs/writer";
import type { CollectedReports } from "./reports";

/**
 * The contract between the scheduler and whatever runs a task: local child processes today, a
 * BuildJob custom resource in Kubernetes (issue 3). The scheduler owns statuses, attempts and
 * retries; an executor runs one attempt and says how it ended.
 */

/** One attempt of one task run. */
export interface ExecTask {
  taskRunId: string;
  runId: string;
  /** The run's pipeline: whose build cache the task gets (`plan.cache`). */
  pipelineId?: string;
  /** The task's name (`GANTRY_TASK`). */
  taskName: string;
  stageName: string;
  plan: TaskPlan;
  /** Pipeline params and the task's env. The executor adds `GANTRY_*` and its own basics. */
  env: Record<string, string>;
  /** 1-based. */
  attempt: number;
  /** Names of the pipeline params in `env` that are secret (kept out of what others can read). */
  secretParams?: readonly string[];
  /**
   * Values of the project secrets `plan.source.git.credentials` names, by name: for the clone
   * step only, never in `env` (unless the task lists the secret itself).
   */
  cloneSecrets?: Record<string, string>;
  /**
   * The attempt waits on something a person should know about ("Unschedulable: …"), or no
   * longer (null): shown as the running task run's message.
   */
  progress?: (message: string | null) => void;
}

/**
 * Where output goes: lines are split, masked, numbered and stored by the sink. `write`'s
 * `container` names the Kubernetes container a line came from; the task's own is `TASK_CONTAINER`.
 */
export type LogSink = Pick<LogWriter, "write" | "system" | "full" | "waitForRoom">;

/** The container that runs the task itself (not a clone step or a sidecar), in Kubernetes mode. */
export const TASK_CONTAINER = "main";

export interface ExecResult {
  /** The process's exit code; null when it was killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Stopped through `cancel()`. */
  cancelled: boolean;
  /** Human-readable outcome for the task run's `message`: "" on success. */
  message: string;
  /** A failure that retrying cannot fix (the program doesn't exist, the template can't run here). */
  permanent: boolean;
  /** A Kubernetes reason that explains the failure (OOMKilled, Evicted…), for the triage. */
  reason?: FailureReason | null;
  /** What the task wrote to `$GANTRY_RESULTS` (declared names only: operator/executors/results.ts). */
  results?: Record<string, string>;
  /** Files in `$GANTRY_RESULTS` whose names the task does not declare (not kept; the log says so). */
  ignoredResults?: string[];
  /** The test reports the task declared and wrote, when the executor read them itself (operator/executors/reports.ts). */
  reports?: CollectedReports;
}

export interface ExecHandle {
  /** Where it runs, for operators (`local:host:pid`, a BuildJob name). */
  readonly ref: string;
  /** Resolves once the attempt is over and all its output has reached the sink. Never rejects. */
  wait(): Promise<ExecResult>;
  /** Stops the attempt (TERM, then KILL after the grace period); `wait()` then reports `cancelled`. */
  cancel(reason: string): void;
  /**
   * Stops following the attempt and leaves it running, for attempts that outlive the operator (a
   * BuildJob): another operator owns the task run now and follows the same attempt, which a
   * `cancel` would end under it. `wait()` then resolves at once. Without it, `cancel` is used.
   */
  release?(): void;
}

export interface Executor {
  readonly kind: "local" | "kubernetes";
  /**
   * Starts one attempt. Rejects with an `ExecutorError` when it cannot even start (the template
   * cannot run on this executor, the workspace cannot be created).
   */
  start(task: ExecTask, sink: LogSink): Promise<ExecHandle>;
  /**
   * A dead operator's task run was failed: stop what it left running, if this executor can reach
   * it (a local process group on this machine, a BuildJob). True when something was stopped.
   */
  reapOrphan(task: OrphanTask): Promise<boolean>;
  /** The run is over: free what its tasks shared (workspace directory, PVC). */
  releaseRun(runId: string): Promise<void>;
  /**
   * Whether an attempt recorded with this ref outlives the operator process (a BuildJob does, a
   * child process does not): then a restarted operator re-attaches with `resume` instead of
   * failing the task run.
   */
  canResume?(executorRef: string | null): boolean;
  /**
   * Follows an attempt started by a previous life of this operator, or by a dead one it adopted;
   * creates nothing. `tail`: the last stored lines of the task run, to go on after them without
   * repeating any; `notBefore`: the time of the last one, when the executor can do no better.
   */
  resume?(
    task: ExecTask,
    executorRef: string | null,
    sink: LogSink,
    opts?: { notBefore?: Date; tail?: readonly LogLine[] },
  ): Promise<ExecHandle>;
  /**
   * Whether a dead operator's running task run can be taken over (its attempt still runs
   * without it, and this executor can reach it): then a survivor adopts it instead of failing it.
   */
  canAdopt?(task: { taskRunId: string; attempt: number; executorRef: string | null }): boolean;
}

/** A task run whose operator died while it ran. */
export interface OrphanTask {
  taskRunId: string;
  runId: string;
  taskName: string;
  /** What the dead operator's executor recorded (`ExecHandle.ref`), if it got that far. */
  executorRef: string | null;
}

export class ExecutorError extends Error {
  constructor(
    message: string,
    /** True when retrying cannot help. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "ExecutorError";
  }
}

/** Names of the variables every task gets, whatever runs it. */
export function gantryEnv(task: Pick<ExecTask, "runId" | "taskName" | "stageName" | "attempt">, workspace: string): Record<string, string> {
  return {
    GANTRY_RUN_ID: task.runId,
    GANTRY_TASK: task.taskName,
    GANTRY_STAGE: task.stageName,
    GANTRY_ATTEMPT: String(task.attempt),
    GANTRY_WORKSPACE: workspace,
  };
}
