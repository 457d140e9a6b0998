import { StringDecoder } from "node:string_decoder";
import type { LogLine, LogStore, LogStream } from "./store";
import { logger } from "../logger";

/** Longest stored line; longer output is split into continuation lines, nothing is dropped. */
export const MAX_LINE_CHARS = 64 * 1024;
const MAX_BATCH_LINES = 5000;
const MAX_BATCH_CHARS = 2 * 1024 * 1024;

export interface LogWriterOptions {
  flushMs?: number;
  mask?: (line: string) => string;
  /** Sequence number to continue after (lines already stored, e.g. from an earlier attempt). */
  startSeq?: number;
}

/**
 * Turns raw output of one task run into masked, numbered lines and stores them in batches (not a
 * row per line). Streams are split into lines independently, so stdout and stderr never tear each
 * other's lines; invalid UTF-8 becomes U+FFFD rather than breaking the store or the viewer. A
 * failed store write is retried with back-off, keeping lines in order.
 */
export class LogWriter {
  private seq: number;
  private pending: LogLine[] = [];
  private pendingChars = 0;
  private partial: Record<LogStream, string> = { out: "", err: "", sys: "" };
  private decoders: Record<"out" | "err", StringDecoder> = { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") };
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly mask: (line: string) => string;
  private closed = false;

  constructor(
    private store: LogStore,
    readonly taskRunId: string,
    opts: LogWriterOptions = {},
  ) {
    this.seq = opts.startSeq ?? 0;
    this.flushMs = opts.flushMs ?? 50;
    this.mask = opts.mask ?? ((l) => l);
  }

  get lastSeq() {
    return this.seq;
  }

  write(stream: "out" | "err", data: Buffer | string) {
    const text = typeof data === "string" ? data : this.decoders[stream].write(data);
    this.feed(stream, text);
  }

  /** A line from Gantry itself (attempt markers, timeouts), shown distinctly in the viewer. */
  system(text: string) {
    this.feed("sys", text.endsWith("\n") ? text : text + "\n");
  }

  private feed(stream: LogStream, text: string) {
    if (!text) return;
    let buf = this.partial[stream] + text;
    let nl: number;
    while ((nl = buf.indexOf("\n")) !== -1) {
      this.pushLine(stream, buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    while (buf.length > MAX_LINE_CHARS) {
      this.pushLine(stream, buf.slice(0, MAX_LINE_CHARS));
      buf = buf.slice(MAX_LINE_CHARS);
    }
    this.partial[stream] = buf;
    this.schedule();
  }

  private pushLine(stream: LogStream, raw: string) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    for (let i = 0; i < Math.max(line.length, 1); i += MAX_LINE_CHARS) {
      const text = this.mask(line.slice(i, i + MAX_LINE_CHARS));
      this.pending.push({ seq: ++this.seq, ts: Date.now(), stream, text });
      this.pendingChars += text.length + 32;
    }
    if (this.pending.length >= MAX_BATCH_LINES || this.pendingChars >= MAX_BATCH_CHARS) this.flushNow();
  }

  private schedule() {
    if (!this.timer && this.pending.length) this.timer = setTimeout(() => this.flushNow(), this.flushMs);
  }

  private flushNow() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return this.chain;
    const batch = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    this.chain = this.chain.then(() => this.persist(batch));
    return this.chain;
  }

  private async persist(batch: LogLine[]) {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.append(this.taskRunId, batch);
        return;
      } catch (e) {
        const wait = Math.min(5000, 100 * 2 ** attempt);
        if (attempt % 10 === 0) logger.warn({ err: (e as Error).message, taskRunId: this.taskRunId, wait }, "log store write failed; retrying");
        if (this.closed && attempt > 200) {
          logger.error({ taskRunId: this.taskRunId, lines: batch.length }, "giving up on log batch");
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
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
    await this.flushNow();
    await this.chain;
  }

  /** Waits for what has been written so far to be stored, without closing. */
  async flush(): Promise<void> {
    await this.flushNow();
    await this.chain;
  }
}
