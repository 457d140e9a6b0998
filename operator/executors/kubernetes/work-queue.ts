/**
 * The controller's one work queue (STYLE.md #15), after client-go's: informer callbacks only put
 * keys (`namespace/name`) here; workers take them out. A key waiting in the queue is there once
 * however often it is added; a key being worked on is not handed to a second worker, and if it
 * is added meanwhile it comes back once the first worker is done. Failures come back after a
 * per-key exponential back-off, all retries together limited by a token bucket.
 */

export interface WorkQueueOptions {
  /** First retry delay of a key; doubles with each failure in a row. */
  baseDelayMs?: number;
  /** Longest retry delay of a key. */
  maxDelayMs?: number;
  /** Retries per second over all keys (after the burst). */
  qps?: number;
  burst?: number;
}

/** What a worker may ask for besides "done" (undefined): come back later (a deadline will pass). */
export type WorkResult = { requeueAfterMs: number } | undefined;

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that need work: queued, or added again while being worked on. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly base: number;
  private readonly max: number;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private tokensAt = Date.now();
  private closed = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 5 * 60_000;
    this.qps = opts.qps ?? 10;
    this.burst = opts.burst ?? 100;
    this.tokens = this.burst;
  }

  /** Keys waiting to be handed out. */
  get length(): number {
    return this.queue.length;
  }

  get shuttingDown(): boolean {
    return this.closed;
  }

  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Adds the key after `ms`; a key already due sooner keeps its earlier time. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Adds the key again after its back-off: the next failure in a row waits twice as long. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.max(this.backoff(n), this.bucketDelay()));
  }

  /** The key's work succeeded: its next failure starts from the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures in a row of the key. */
  requeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to work on; undefined once the queue is shut down. Call `done(key)` after. */
  get(): Promise<string | undefined> {
    if (this.queue.length) return Promise.resolve(this.take());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.closed) {
      this.queue.push(key);
      this.handOut();
    }
  }

  /** Hands out nothing more: waiting `get()`s resolve undefined; pending delayed adds are dropped. */
  shutdown(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /**
   * Runs `concurrency` workers until shutdown, resolving once the last in-flight item is done. A
   * worker that throws gets its key back after the back-off: throw for transient trouble (API,
   * database); for a permanent one (invalid input) record the failure and return normally.
   */
  async run(
    worker: (key: string) => Promise<WorkResult>,
    opts: { concurrency?: number; onError?: (key: string, err: unknown) => void } = {},
  ): Promise<void> {
    const loop = async () => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          const r = await worker(key);
          this.forget(key);
          if (r && r.requeueAfterMs >= 0) this.addAfter(key, r.requeueAfterMs);
        } catch (e) {
          opts.onError?.(key, e);
          this.addRateLimited(key);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, loop));
  }

  /** The first queued key; only called while the queue holds one. */
  private take(): string {
    const key = this.queue.shift();
    if (key === undefined) throw new Error("WorkQueue.take on an empty queue");
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private handOut() {
    while (this.queue.length) {
      const waiter = this.waiters.shift();
      if (!waiter) return;
      waiter(this.take());
    }
  }

  private backoff(failures: number): number {
    return Math.min(this.max, this.base * 2 ** Math.min(failures, 52));
  }

  /** Token bucket: 0 while there is a token, else how long until this retry's token arrives. */
  private bucketDelay(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}
