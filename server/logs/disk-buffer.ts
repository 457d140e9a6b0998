import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { logger } from "../logger";
import type { LineMeta } from "./elasticsearch-store";
import type { LogLine } from "./store";

/**
 * Where the operator keeps log lines while Elasticsearch cannot take them: append-only segment
 * files (`seg-<n>.ndjson`, one JSON record per batch, synced before the append returns), replayed
 * in order once the store answers again. A segment is deleted only after every batch in it is
 * indexed; replaying one twice (a crash mid-replay) is harmless because line ids are
 * `<taskRunId>:<seq>`. Segments left by an earlier process are found and replayed on start.
 */

interface Record_ {
  t: string;
  m: LineMeta;
  l: LogLine[];
}
interface Segment {
  n: number;
  file: string;
  records: number;
  fh: FileHandle | null;
}

export type Sink = (taskRunId: string, meta: LineMeta, lines: LogLine[]) => Promise<void>;

export class DiskBuffer {
  private segments: Segment[] = [];
  private active: Segment | null = null;
  private next = 1;
  /** Lines waiting, per task run (what the operator itself reads back, e.g. to resume a task). */
  private lines = new Map<string, LogLine[]>();
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sink: Sink | null = null;
  private closed = false;
  private writeChain: Promise<unknown> = Promise.resolve();
  private gate: Promise<void> | null = null;
  private warnedAt = 0;

  constructor(
    readonly dir: string,
    private opts: { retryMs?: number; isUnavailable?: (e: unknown) => boolean } = {},
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      const m = /^seg-(\d+)\.ndjson$/.exec(name);
      if (!m) continue;
      const file = path.join(dir, name);
      const recs = parseSegment(file);
      for (const r of recs) this.remember(r);
      this.segments.push({ n: Number(m[1]), file, records: recs.length, fh: null });
      this.next = Math.max(this.next, Number(m[1]) + 1);
    }
    if (this.segments.length)
      logger.warn({ dir, segments: this.segments.length }, "log lines buffered by an earlier run are waiting for Elasticsearch");
  }

  /** Nothing waiting: appends may go straight to the store. */
  get empty() {
    return this.segments.every((s) => s.records === 0);
  }

  /** Lines waiting to be indexed. */
  get backlog() {
    let n = 0;
    for (const l of this.lines.values()) n += l.length;
    return n;
  }

  /** Starts replaying into `sink` (the store's indexing); retries every `retryMs` while it fails. */
  attach(sink: Sink) {
    this.sink = sink;
    if (!this.empty) this.schedule(0);
  }

  async add(taskRunId: string, meta: LineMeta, lines: LogLine[]): Promise<void> {
    if (!this.active) {
      this.active = { n: this.next++, file: "", records: 0, fh: null };
      this.active.file = path.join(this.dir, `seg-${String(this.active.n).padStart(12, "0")}.ndjson`);
      this.segments.push(this.active);
    }
    const seg = this.active;
    seg.records++;
    this.remember({ t: taskRunId, m: meta, l: lines });
    const data = JSON.stringify({ t: taskRunId, m: meta, l: lines }) + "\n";
    // Writes to one file one after the other, each synced: a line acknowledged is on disk.
    const w = this.writeChain.then(async () => {
      if (!seg.fh) seg.fh = await open(seg.file, "a");
      await seg.fh.write(data);
      await seg.fh.sync();
    });
    this.writeChain = w.catch(() => undefined);
    try {
      await w;
    } catch (e) {
      seg.records--;
      this.forget(taskRunId, lines);
      throw e;
    }
    this.schedule(this.opts.retryMs ?? 1000);
  }

  /** Buffered lines of a task run after `afterSeq`. */
  async read(taskRunId: string, afterSeq: number, limit: number): Promise<LogLine[]> {
    const l = this.lines.get(taskRunId);
    if (!l) return [];
    return l.filter((x) => x.seq > afterSeq).slice(0, limit);
  }

  /** Replays now (tests, shutdown); resolves when the buffer is empty or the store failed again. */
  drain(): Promise<void> {
    if (!this.draining) {
      this.draining = this.replay().finally(() => {
        this.draining = null;
        if (!this.empty && !this.closed) this.schedule(this.opts.retryMs ?? 1000);
      });
    }
    return this.draining;
  }

  async close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.draining?.catch(() => undefined);
    await this.writeChain;
    for (const s of this.segments) await s.fh?.close().catch(() => undefined);
  }

  private schedule(ms: number) {
    if (this.timer || this.closed || !this.sink) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain();
    }, ms);
    this.timer.unref?.();
  }

  private async replay() {
    const sink = this.sink;
    if (!sink) return;
    let release: (() => void) | null = null;
    try {
      while (this.segments.length) {
        const seg = this.segments[0];
        if (seg === this.active) {
          // The last segment is being written: hold new appends at the gate while it is
          // replayed, then they go straight to the store (the buffer is empty by then).
          this.gate = new Promise<void>((r) => (release = r));
          this.active = null;
        }
        await this.writeChain;
        await seg.fh?.close();
        seg.fh = null;
        const recs = seg.records ? parseSegment(seg.file) : [];
        try {
          for (const r of recs) {
            try {
              await sink(r.t, r.m, r.l);
            } catch (e) {
              if (!this.opts.isUnavailable || this.opts.isUnavailable(e)) throw e;
              // Refused for good (not a matter of waiting): keeping it would block everything after.
              logger.error(
                { err: (e as Error).message, taskRunId: r.t, lines: r.l.length },
                "Elasticsearch refused buffered log lines; dropping them",
              );
            }
          }
        } catch (e) {
          if (Date.now() - this.warnedAt > 30_000) {
            this.warnedAt = Date.now();
            logger.warn(
              { err: (e as Error).message, backlog: this.backlog },
              "Elasticsearch is still unavailable; log lines stay buffered",
            );
          }
          // Lines that arrive now go after this segment, into a new one.
          return;
        }
        for (const r of recs) this.forget(r.t, r.l);
        this.segments.shift();
        await rm(seg.file, { force: true });
        logger.info({ records: recs.length, backlog: this.backlog }, "buffered log lines are in Elasticsearch");
      }
    } finally {
      this.gate = null;
      (release as (() => void) | null)?.();
    }
  }

  /** Appends wait here while the last segment is handed over to the store. */
  async waitGate() {
    while (this.gate) await this.gate;
  }

  private remember(r: Record_) {
    const l = this.lines.get(r.t);
    if (l) l.push(...r.l);
    else this.lines.set(r.t, [...r.l]);
  }

  private forget(taskRunId: string, lines: LogLine[]) {
    const l = this.lines.get(taskRunId);
    if (!l) return;
    const gone = new Set(lines.map((x) => x.seq));
    const rest = l.filter((x) => !gone.has(x.seq));
    if (rest.length) this.lines.set(taskRunId, rest);
    else this.lines.delete(taskRunId);
  }
}

/** Records of a segment; a torn last line (a crash mid-write, never acknowledged) is ignored. */
function parseSegment(file: string): Record_[] {
  const out: Record_[] = [];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as Record_);
    } catch {
      logger.warn({ file }, "ignoring a torn record at the end of a log buffer segment");
    }
  }
  return out;
}
