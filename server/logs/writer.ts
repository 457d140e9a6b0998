import { StringDecoder } from "node:string_decoder";
import type { LogLine, LogStore, LogStream } from "./store";
import { logger } from "../logger";

/** Longest stored line; longer output is split into continuation lines, nothing is dropped. */
export const MAX_LINE_CHARS = 64 * 1024;
const MAX_BATCH_LINES = 5000;
const MAX_BATCH_CHARS = 2 * 1024 * 1024;
/** Above this many characters not yet stored, producers should wait (`waitForRoom`). */
const HIGH_WATER_CHARS = 16 * 1024 * 1024;
/** Overhead per line in the backlog count (the JSON tuple around the text). */
const LINE_OVERHEAD = 32;
/** Store errors that retrying cannot fix: the task run row no longer exists. */
const GONE = new Set(["ER_NO_REFERENCED_ROW_2", "ER_NO_REFERENCED_ROW"]);
/** Hold-back when the masker does not say how long a secret can be. */
const DEFAULT_HOLD = 4096;

/** Drizzle wraps driver errors (`cause`), so look down the chain for the MySQL code. */
function isGone(e: unknown): boolean {
  for (let cur = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if (GONE.has((cur as { code?: string }).code ?? "")) return true;
  }
  return false;
}

export interface LogWriterOptions {
  flushMs?: number;
  /** A `Masker` from lib/mask (its `maxLength` lets long lines be split without tearing a secret). */
  mask?: ((line: string) => string) & { maxLength?: number };
  /** Sequence number to continue after (lines already stored, e.g. from an earlier attempt). */
  startSeq?: number;
}

/**
 * Turns raw output of one task run into masked, numbered lines and stores them in batches (not a
 * row per line). Streams are split into lines independently, so stdout and stderr never tear each
 * other's lines; invalid UTF-8 becomes U+FFFD rather than breaking the store or the viewer. A
 * failed store write is retried with back-off, keeping lines in order; one write is in flight at a
 * time and the next batch takes everything that arrived meanwhile.
 */
export class LogWriter {
  private seq: number;
  private pending: LogLine[] = [];
  private pendingChars = 0;
  private inflightChars = 0;
  private partial: Record<LogStream, string> = { out: "", err: "", sys: "" };
  private decoders: Record<"out" | "err", StringDecoder> = { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") };
  private timer: NodeJS.Timeout | null = null;
  private pump: Promise<void> | null = null;
  private roomWaiters: (() => void)[] = [];
  private readonly flushMs: number;
  private readonly mask: (line: string) => string;
  /** A forced split of a long line keeps this many characters back, so no secret is cut in two. */
  private readonly hold: number;
  private closed = false;
  /** The source's time of what `write` is feeding now, if it said. */
  private sourceTs: number | undefined;
  /** The container that wrote what `write` is feeding now, if the source said. */
  private sourceContainer: string | undefined;

  constructor(
    private store: LogStore,
    readonly taskRunId: string,
    opts: LogWriterOptions = {},
  ) {
    this.seq = opts.startSeq ?? 0;
    this.flushMs = opts.flushMs ?? 20;
    this.mask = opts.mask ?? ((l) => l);
    this.hold = opts.mask ? (opts.mask.maxLength ?? DEFAULT_HOLD) : 0;
  }

  get lastSeq() {
    return this.seq;
  }

  /** Characters written but not yet stored. */
  get backlog() {
    return this.pendingChars + this.inflightChars;
  }

  /** True when a producer should stop reading its source until `waitForRoom()` resolves. */
  get full() {
    return this.backlog >= HIGH_WATER_CHARS;
  }

  waitForRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * `ts`: when the source says the output was written (epoch ms; a pod log's timestamp), so a
   * follower resuming from the store knows where it left off; else the time it arrives here.
   * `container`: the Kubernetes container that wrote it, kept on the lines it completes.
   */
  write(stream: "out" | "err", data: Buffer | string, ts?: number, container?: string) {
    const text = typeof data === "string" ? data : this.decoders[stream].write(data);
    this.sourceTs = ts;
    this.sourceContainer = container;
    try {
      this.feed(stream, text);
    } finally {
      this.sourceTs = undefined;
      this.sourceContainer = undefined;
    }
  }

  /** A line from Gantry itself (attempt markers, timeouts), shown distinctly in the viewer. */
  system(text: string) {
    this.feed("sys", text.endsWith("\n") ? text : text + "\n");
  }

  private feed(stream: LogStream, text: string) {
    if (!text) return;
    const before = this.partial[stream];
    let buf = before + text;
    let start = 0;
    // The partial line holds no line end: look in what is new, or a line arriving a character at
    // a time would be scanned (and its string flattened) again with every character.
    const first = text.indexOf("\n");
    for (let nl = first === -1 ? -1 : before.length + first; nl !== -1; nl = buf.indexOf("\n", start)) {
      this.pushLine(stream, buf.slice(start, nl));
      start = nl + 1;
    }
    buf = start ? buf.slice(start) : buf;
    // A line without an end yet: store what is certainly complete, masked, keeping a tail back
    // long enough that a secret still arriving is masked whole when the rest comes.
    if (buf.length > MAX_LINE_CHARS + this.hold) {
      const masked = this.mask(buf);
      let i = 0;
      while (masked.length - i > MAX_LINE_CHARS + this.hold) {
        this.pushPiece(stream, masked.slice(i, i + MAX_LINE_CHARS));
        i += MAX_LINE_CHARS;
      }
      buf = masked.slice(i);
    }
    this.partial[stream] = buf;
    this.schedule();
  }

  /** Masks the whole line first (a secret can't hide across a split), then splits it. */
  private pushLine(stream: LogStream, raw: string) {
    const line = this.mask(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    if (line.length <= MAX_LINE_CHARS) return this.pushPiece(stream, line);
    for (let i = 0; i < line.length; i += MAX_LINE_CHARS) this.pushPiece(stream, line.slice(i, i + MAX_LINE_CHARS));
  }

  private pushPiece(stream: LogStream, text: string) {
    const line: LogLine = { seq: ++this.seq, ts: this.sourceTs ?? Date.now(), stream, text };
    if (this.sourceContainer !== undefined) line.container = this.sourceContainer;
    this.pending.push(line);
    this.pendingChars += text.length + LINE_OVERHEAD;
    if (this.pending.length >= MAX_BATCH_LINES || this.pendingChars >= MAX_BATCH_CHARS) void this.kick();
  }

  private schedule() {
    if (!this.timer && !this.pump && this.pending.length) this.timer = setTimeout(() => void this.kick(), this.flushMs);
  }

  /** Starts the store loop if it is idle; resolves when it has stored everything pending. */
  private kick(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.pump && this.pending.length) {
      this.pump = (async () => {
        try {
          while (this.pending.length) await this.persist(this.takeBatch());
        } finally {
          this.pump = null;
        }
      })();
    }
    return this.pump ?? Promise.resolve();
  }

  private takeBatch(): LogLine[] {
    let n = 0;
    let chars = 0;
    while (n < this.pending.length && n < MAX_BATCH_LINES && chars < MAX_BATCH_CHARS)
      chars += this.pending[n++].text.length + LINE_OVERHEAD;
    const batch = n === this.pending.length ? this.pending : this.pending.slice(0, n);
    this.pending = n === this.pending.length ? [] : this.pending.slice(n);
    this.pendingChars -= chars;
    this.inflightChars = chars;
    return batch;
  }

  private async persist(batch: LogLine[]) {
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.store.append(this.taskRunId, batch);
          return;
        } catch (e) {
          if (isGone(e)) {
            // The task run was deleted (its pipeline was): nobody can read these lines any more.
            logger.warn({ taskRunId: this.taskRunId, lines: batch.length }, "task run is gone; dropping its log lines");
            return;
          }
          const wait = Math.min(5000, 100 * 2 ** attempt);
          if (attempt % 10 === 0)
            logger.warn({ err: (e as Error).message, taskRunId: this.taskRunId, wait }, "log store write failed; retrying");
          if (this.closed && attempt > 200) {
            logger.error({ taskRunId: this.taskRunId, lines: batch.length }, "giving up on log batch");
            return;
          }
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    } finally {
      this.inflightChars = 0;
      if (!this.full && this.roomWaiters.length) for (const w of this.roomWaiters.splice(0)) w();
    }
  }

  /** Flushes partial lines and waits until everything written so far is stored. */
  async close(): Promise<void> {
    for (const s of ["out", "err"] as const) {
      const rest = this.decoders[s].end();
      if (rest) this.feed(s, rest);
    }
    for (const s of ["out", "err", "sys"] as const) {
      if (this.partial[s]) {
        this.pushLine(s, this.partial[s]);
        this.partial[s] = "";
      }
    }
    this.closed = true;
    await this.flush();
  }

  /** Waits for what has been written so far to be stored, without closing. */
  async flush(): Promise<void> {
    while (this.pending.length || this.pump) await this.kick();
  }
}
