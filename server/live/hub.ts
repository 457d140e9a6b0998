import { isFinal, type RunStatus } from "@/lib/status";
import type { DbOrTx } from "../db/client";
import { getDb } from "../db/client";
import type { LogLine } from "../logs/store";
import { logStore } from "../logs/select";
import { getRunRev, getRunView, getTaskRunProgress, getTaskRunsProgress, type RunView, type TaskRunProgress } from "../runs/queries";
import { logger } from "../logger";

/**
 * The live hub: one poll loop per watched run and per followed task-run log, shared by all of
 * its viewers (a hundred viewers cost one query loop, not a hundred). A loop starts with its
 * first subscriber and stops when the last one leaves or when what it watches is final.
 *
 * The web process is stateless: the hub only tails MySQL (runs.rev, task_runs.log_seq and the log
 * store), so any number of web replicas can serve live views.
 */

/** What the hub reads; the default reads MySQL, tests may wrap it to count queries. */
export interface LiveSource {
  runRev(runId: string): Promise<{ rev: number; status: RunStatus } | null>;
  runView(runId: string): Promise<RunView>;
  taskRunProgress(taskRunId: string): Promise<{ status: RunStatus; logSeq: number } | null>;
  /** Progress of many task runs in one read (missing ids: gone); without it, one read per id. */
  taskRunsProgress?(taskRunIds: string[]): Promise<Map<string, Progress>>;
  readLog(taskRunId: string, afterSeq: number, limit: number): Promise<LogLine[]>;
}

export type Progress = TaskRunProgress;

export function dbSource(db: () => DbOrTx = getDb): LiveSource {
  return {
    runRev: (id) => getRunRev(db(), id),
    runView: (id) => getRunView(db(), id),
    taskRunProgress: (id) => getTaskRunProgress(db(), id),
    taskRunsProgress: (ids) => getTaskRunsProgress(db(), ids),
    readLog: (id, after, limit) => logStore(db()).read(id, after, limit),
  };
}

/** Upstream reads by kind: a run's rev, its whole view, a task run's progress, a page of log lines. */
export type ReadKind = "run_rev" | "run_view" | "log_progress" | "log_lines";
const READ_KINDS: ReadKind[] = ["run_rev", "run_view", "log_progress", "log_lines"];

/**
 * What the hub costs upstream, for metrics and the fan-out benchmark: reads by the shared loops
 * (one loop per watched run or followed log, however many viewers) and reads by viewers on their
 * own (catching up from behind the shared buffer), and the viewers connected now.
 */
export interface HubStats {
  loopReads: Record<ReadKind, number>;
  viewerReads: Record<ReadKind, number>;
  viewers: { run: number; log: number };
}

const zeroReads = (): Record<ReadKind, number> => Object.fromEntries(READ_KINDS.map((k) => [k, 0])) as Record<ReadKind, number>;

/** The same source, counting each read in `counts`. */
function counted(source: LiveSource, counts: Record<ReadKind, number>): LiveSource {
  const many = source.taskRunsProgress;
  return {
    runRev: (id) => (counts.run_rev++, source.runRev(id)),
    runView: (id) => (counts.run_view++, source.runView(id)),
    taskRunProgress: (id) => (counts.log_progress++, source.taskRunProgress(id)),
    taskRunsProgress: many ? (ids) => (counts.log_progress++, many.call(source, ids)) : undefined,
    readLog: (id, after, limit) => (counts.log_lines++, source.readLog(id, after, limit)),
  };
}

export interface HubOptions {
  runPollMs?: number;
  logPollMs?: number;
  /** Lines kept in memory per followed log, for viewers that are close to the end. */
  bufferLines?: number;
  bufferChars?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * How many lines to read next so that one read stays around `targetChars` of text: thousands of
 * short lines at once, but not thousands of 64 KiB lines (the store reads by line count).
 */
export class PageSize {
  private n: number;
  constructor(
    private readonly max = 5000,
    private readonly targetChars = 2 * 1024 * 1024,
  ) {
    this.n = max;
  }
  get next() {
    return this.n;
  }
  observe(lines: LogLine[]) {
    if (lines.length === 0) return;
    let chars = 0;
    for (const l of lines) chars += l.text.length + 64;
    const avg = chars / lines.length;
    this.n = Math.max(8, Math.min(this.max, Math.floor(this.targetChars / avg)));
  }
}

/**
 * Progress polls of all followed logs, batched: while one read is in flight, the task runs asked
 * for meanwhile wait for the next, which asks for all of them at once. Fifty followed logs polled
 * every 50 ms cost a few reads per poll period instead of a thousand reads a second, and the read
 * rate adapts to how fast the database answers.
 */
export class ProgressBatcher {
  private waiting = new Map<string, { resolve: (p: Progress | null) => void; reject: (e: unknown) => void }[]>();
  private busy = false;

  constructor(private readonly source: LiveSource) {}

  get(taskRunId: string): Promise<Progress | null> {
    if (!this.source.taskRunsProgress) return this.source.taskRunProgress(taskRunId);
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(taskRunId) ?? [];
      list.push({ resolve, reject });
      this.waiting.set(taskRunId, list);
      if (!this.busy) void this.flush();
    });
  }

  private async flush() {
    this.busy = true;
    try {
      // One macrotask lets the loops that wake together join this read.
      await new Promise((r) => setImmediate(r));
      // get() queues only when the source reads many at once.
      const many = this.source.taskRunsProgress;
      if (!many) return;
      while (this.waiting.size) {
        const batch = this.waiting;
        this.waiting = new Map();
        const ids = [...batch.keys()];
        try {
          const found = new Map<string, Progress>();
          for (let i = 0; i < ids.length; i += 500)
            for (const [k, v] of await many.call(this.source, ids.slice(i, i + 500))) found.set(k, v);
          for (const [id, ws] of batch) for (const w of ws) w.resolve(found.get(id) ?? null);
        } catch (e) {
          for (const ws of batch.values()) for (const w of ws) w.reject(e);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

/** A shared poll loop with a change counter that subscribers wait on. */
abstract class Topic {
  /** Incremented on every change subscribers should look at. */
  version = 0;
  /** Nothing will change any more (final, or gone): the loop has stopped. */
  done = false;
  private subscribers = 0;
  private running = false;
  private waiters = new Set<() => void>();
  private failures = 0;

  constructor(
    readonly key: string,
    private readonly pollMs: number,
    private readonly onIdle: (t: Topic) => void,
  ) {}

  protected abstract poll(): Promise<void>;

  acquire() {
    this.subscribers++;
    if (!this.running && !this.done) void this.loop();
  }

  release() {
    this.subscribers--;
    if (this.subscribers <= 0) this.onIdle(this);
  }

  get subscriberCount() {
    return this.subscribers;
  }

  /** Resolves once `version` has moved past `seen`, after `timeoutMs`, or when `signal` aborts. */
  wait(seen: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.version !== seen || this.done || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        this.waiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener("abort", finish, { once: true });
      this.waiters.add(finish);
    });
  }

  protected changed() {
    this.version++;
    for (const w of [...this.waiters]) w();
  }

  private async loop() {
    this.running = true;
    try {
      while (this.subscribers > 0 && !this.done) {
        try {
          await this.poll();
          this.failures = 0;
        } catch (e) {
          // The database may be away; viewers keep their streams (with heartbeats) meanwhile.
          if (this.failures++ % 20 === 0) logger.warn({ err: (e as Error).message, key: this.key }, "live poll failed; retrying");
        }
        if (this.done) break;
        await sleep(this.pollMs * Math.min(2 ** this.failures, 40));
      }
    } finally {
      this.running = false;
      if (this.done) this.changed();
    }
  }
}

/** Watches one run: the latest view, refreshed whenever `runs.rev` moves. */
export class RunWatch extends Topic {
  view: RunView | null = null;
  /** The run does not exist (any more). */
  gone = false;

  constructor(
    readonly runId: string,
    private source: LiveSource,
    pollMs: number,
    onIdle: (t: Topic) => void,
  ) {
    super(`run:${runId}`, pollMs, onIdle);
  }

  protected async poll() {
    const r = await this.source.runRev(this.runId);
    if (!r) {
      this.gone = this.done = true;
      this.changed();
      return;
    }
    if (this.view && this.view.rev === r.rev && this.view.status === r.status) return;
    const view = await this.source.runView(this.runId);
    this.view = view;
    if (isFinal(view.status)) this.done = true;
    this.changed();
  }
}

/**
 * Follows one task run's log. It holds the newest lines (since it started, bounded), so that
 * viewers at the end of the log are served from memory; a viewer further behind (catching up
 * from the start, or one that fell behind the buffer) reads the store on its own.
 */
export class LogTail extends Topic {
  status: RunStatus | null = null;
  /** Highest sequence number held (lines ≤ `base` are not in the buffer). */
  cursor = 0;
  base = 0;
  ready = false;
  gone = false;
  /** Final status and every line read. */
  final = false;
  private finalSeen = false;
  private chunks: LogLine[][] = [];
  private page = new PageSize();
  private bufLines = 0;
  private bufChars = 0;

  constructor(
    readonly taskRunId: string,
    private source: LiveSource,
    pollMs: number,
    private limits: { lines: number; chars: number },
    private progress: (taskRunId: string) => Promise<Progress | null>,
    onIdle: (t: Topic) => void,
  ) {
    super(`log:${taskRunId}`, pollMs, onIdle);
  }

  protected async poll() {
    const p = await this.progress(this.taskRunId);
    if (!p) {
      this.gone = this.done = true;
      this.changed();
      return;
    }
    let changed = false;
    if (!this.ready) {
      // History is read by each viewer from the store; the tail only follows what comes next.
      this.ready = true;
      this.cursor = this.base = p.logSeq;
      changed = true;
    }
    for (let i = 0; i < 8 && this.cursor < p.logSeq; i++) {
      const lines = await this.source.readLog(this.taskRunId, this.cursor, this.page.next);
      if (lines.length === 0) break;
      this.page.observe(lines);
      this.push(lines);
      changed = true;
    }
    if (p.status !== this.status) {
      this.status = p.status;
      changed = true;
    }
    if (isFinal(p.status) && this.cursor >= p.logSeq) {
      // Writers flush before they finish a task run; one more look covers a late batch anyway.
      if (this.finalSeen) {
        this.final = this.done = true;
        changed = true;
      }
      this.finalSeen = true;
    } else this.finalSeen = false;
    if (changed) this.changed();
  }

  private push(lines: LogLine[]) {
    this.chunks.push(lines);
    this.cursor = lines[lines.length - 1].seq;
    this.bufLines += lines.length;
    for (const l of lines) this.bufChars += l.text.length;
    while (this.chunks.length > 1 && (this.bufLines > this.limits.lines || this.bufChars > this.limits.chars)) {
      const old = this.chunks[0];
      this.chunks.shift();
      this.bufLines -= old.length;
      for (const l of old) this.bufChars -= l.text.length;
      this.base = old[old.length - 1].seq;
    }
  }

  /**
   * Lines after `after` from memory (at most `max`): an array (empty when the viewer is at the
   * end), or null when the viewer is behind the buffer and must read the store.
   */
  linesAfter(after: number, max: number): LogLine[] | null {
    if (!this.ready) return [];
    if (after < this.base) return null;
    const out: LogLine[] = [];
    for (const chunk of this.chunks) {
      const last = chunk[chunk.length - 1].seq;
      if (last <= after) continue;
      // Sequence numbers are contiguous, so the position of `after + 1` is arithmetic.
      const start = Math.max(0, after + 1 - chunk[0].seq);
      for (let i = start; i < chunk.length && out.length < max; i++) out.push(chunk[i]);
      if (out.length >= max) break;
      after = last;
    }
    return out;
  }
}

export class Hub {
  /** For viewers' own reads (counted as `viewerReads`); the shared loops read through their own. */
  readonly source: LiveSource;
  readonly stats: HubStats = { loopReads: zeroReads(), viewerReads: zeroReads(), viewers: { run: 0, log: 0 } };
  private readonly loopSource: LiveSource;
  private readonly progress: ProgressBatcher;
  private topics = new Map<string, RunWatch | LogTail>();
  private opts: Required<HubOptions>;

  constructor(source: LiveSource = dbSource(), opts: HubOptions = {}) {
    this.source = counted(source, this.stats.viewerReads);
    this.loopSource = counted(source, this.stats.loopReads);
    this.progress = new ProgressBatcher(this.loopSource);
    this.opts = { runPollMs: 150, logPollMs: 50, bufferLines: 10_000, bufferChars: 4 * 1024 * 1024, ...opts };
  }

  private idle = (t: Topic) => {
    if (this.topics.get(t.key) === t) this.topics.delete(t.key);
  };

  /** Subscribes to a run; call `close()` when the viewer leaves. */
  watchRun(runId: string): { topic: RunWatch; close: () => void } {
    const key = `run:${runId}`;
    let t = this.topics.get(key) as RunWatch | undefined;
    if (!t) this.topics.set(key, (t = new RunWatch(runId, this.loopSource, this.opts.runPollMs, this.idle)));
    return this.lease(t, "run");
  }

  /** Subscribes to a task run's log; call `close()` when the viewer leaves. */
  followLog(taskRunId: string): { topic: LogTail; close: () => void } {
    const key = `log:${taskRunId}`;
    let t = this.topics.get(key) as LogTail | undefined;
    if (!t) {
      const limits = { lines: this.opts.bufferLines, chars: this.opts.bufferChars };
      this.topics.set(
        key,
        (t = new LogTail(taskRunId, this.loopSource, this.opts.logPollMs, limits, (id) => this.progress.get(id), this.idle)),
      );
    }
    return this.lease(t, "log");
  }

  private lease<T extends Topic>(t: T, kind: "run" | "log") {
    t.acquire();
    this.stats.viewers[kind]++;
    let open = true;
    return {
      topic: t,
      close: () => {
        if (open) {
          t.release();
          this.stats.viewers[kind]--;
        }
        open = false;
      },
    };
  }

  /** Loops alive now by kind: one per watched run and one per followed task-run log. */
  loops(): { run: number; log: number } {
    let run = 0;
    for (const k of this.topics.keys()) if (k.startsWith("run:")) run++;
    return { run, log: this.topics.size - run };
  }

  /** Loops currently alive (for tests and metrics). */
  get size() {
    return this.topics.size;
  }
}

const g = globalThis as unknown as { __gantryHub?: Hub };

/** The process-wide hub (kept on globalThis so hot reload doesn't start a second one). */
export function hub(): Hub {
  return (g.__gantryHub ??= new Hub());
}
