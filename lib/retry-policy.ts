import type { TaskPlan } from "./plan";

/**
 * How a task is retried, described once for every executor. The local executor runs one attempt
 * at a time and the scheduler (operator/scheduler/run-task.ts) starts the next while
 * `retryAfter` says so; the Kubernetes executor hands the same numbers to the Job controller
 * (`backoffLimit`, `activeDeadlineSeconds`), which starts the next pod itself.
 */
export interface RetryPolicy {
  /** Attempts in all: the first and its retries. */
  maxAttempts: number;
  /** How long one attempt may run. */
  attemptTimeoutSeconds: number;
  /** How long all attempts together may take, waits for a node or an image included. */
  totalTimeoutSeconds: number;
}

export function retryPolicy(plan: Pick<TaskPlan, "retries" | "timeoutSeconds">): RetryPolicy {
  const maxAttempts = plan.retries + 1;
  return { maxAttempts, attemptTimeoutSeconds: plan.timeoutSeconds, totalTimeoutSeconds: plan.timeoutSeconds * maxAttempts };
}

/** How an attempt ended, as far as retrying is concerned. */
export interface AttemptOutcome {
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Trying again cannot help (invalid input, a secret that is gone). */
  permanent?: boolean;
}

export const attemptSucceeded = (r: AttemptOutcome) => !r.timedOut && !r.cancelled && r.exitCode === 0;

/**
 * Whether another attempt follows this one: a failure or a timeout is retried while attempts
 * are left; success, a cancel, a stop and a permanent failure are not.
 */
export function retryAfter(policy: RetryPolicy, attempt: number, r: AttemptOutcome, stopped = false): boolean {
  return !attemptSucceeded(r) && !r.cancelled && !stopped && !r.permanent && attempt < policy.maxAttempts;
}
