/** Waiting between retries of work that failed for a transient reason (the database went away). */

export const BACKOFF_BASE_MS = 100;
export const BACKOFF_MAX_MS = 5000;

/** Exponential with jitter: 100 ms, 200 ms, 400 ms … capped at 5 s. */
export function backoffMs(failures: number, base = BACKOFF_BASE_MS, cap = BACKOFF_MAX_MS): number {
  const exp = Math.min(cap, base * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `fn` until it succeeds. Used for writes that must not be lost (a task's final status):
 * when the database is down they wait for it to come back.
 */
export async function retryUntilDone<T>(fn: () => Promise<T>, onError: (e: unknown, failures: number, waitMs: number) => void): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await fn();
    } catch (e) {
      const wait = backoffMs(failures);
      onError(e, failures, wait);
      await sleep(wait);
    }
  }
}
