import { StringDecoder } from "node:string_decoder";
import { MAX_FILE_BYTES, METRICS_BEGIN, METRICS_END } from "@/server/metrics/task-metrics";
import { TASK_CONTAINER, type LogSink } from "../executors/types";
import type { CollectedReports } from "../executors/reports";
import { RESULT_BEGIN, RESULT_END } from "../executors/results";
import { MAX_REPORT_BYTES, REPORT_BEGIN, REPORT_END } from "../executors/reports";

/**
 * Takes metrics blocks out of a task's output, for every executor: a line that is exactly
 * `::gantry-metrics::begin`, Prometheus text lines, a line `::gantry-metrics::end`
 * (docs/operations.md, "Metrics pushed by tasks"). The block's lines never reach the log; their
 * text is kept for the task's pushed metrics. Everything else passes through unchanged.
 *
 * Lines are found across writes (a marker may arrive in pieces), per stream and container, so a
 * sidecar's lines or stderr never break a block of stdout. Only a whole line is a marker: the
 * marker's text inside a line is output. Only the task's own output counts (no container, or
 * the task's container), not a clone step's or a sidecar's. A block that is not ended when the
 * output ends (the task died in the middle, the attempt was stopped), or that is followed by
 * another begin (a replaced pod started over), was not metrics after all: its lines go back to
 * the log, after a note, rather than vanish.
 */

/** Blanks a marker line may end with (an echo with a space, `\r\n` output); more is output. */
const MARKER_SLACK = 16;
/** The most of one line kept inside a block: past the size limit it is only counted. */
const lineLimit = (b: Block) => (b.kind === "report" ? MAX_REPORT_BYTES : MAX_FILE_BYTES) + 1;

function isMarker(line: string, marker: string): boolean {
  return line.length <= marker.length + MARKER_SLACK && line.startsWith(marker) && /^[ \t\r]*$/.test(line.slice(marker.length));
}

/** True while a line that has not ended yet may still turn out to be the marker. */
function mayBecome(partial: string, marker: string): boolean {
  return partial.length <= marker.length ? marker.startsWith(partial) : isMarker(partial, marker);
}

const RESULT_BEGIN_LINE = /^::gantry-result::begin ([a-z][a-z0-9_-]{0,62})[ \t\r]*$/;
/** A test report's path relative to the workspace, as the wrapper's glob found it. */
const REPORT_PATH_MAX = 512;
const REPORT_BEGIN_LINE = new RegExp(`^::gantry-report::begin ([^\\r]{1,${REPORT_PATH_MAX}}?)[ \\t\\r]*$`);

/** Which block a line opens, if it is a begin marker. */
function beginOf(line: string): Pick<Block, "kind" | "name"> | null {
  if (isMarker(line, METRICS_BEGIN)) return { kind: "metrics", name: "" };
  const m = RESULT_BEGIN_LINE.exec(line);
  if (m) return { kind: "result", name: m[1] };
  const r = REPORT_BEGIN_LINE.exec(line);
  return r ? { kind: "report", name: r[1] } : null;
}

/** True while an unfinished line may still become a result's or a report's begin marker. */
function mayBecomeNamed(partial: string): boolean {
  return (
    [RESULT_BEGIN, REPORT_BEGIN].some((m) => (partial.length <= m.length ? m.startsWith(partial) : partial.startsWith(m))) &&
    partial.length <= REPORT_BEGIN.length + REPORT_PATH_MAX + MARKER_SLACK
  );
}

interface HeldLine {
  text: string;
  ts?: number;
}

interface Track {
  stream: "out" | "err";
  container?: string;
  decoder: StringDecoder;
  /** The current line so far, held back: it may be a marker, or it belongs to a block. */
  line: string;
  /** The current line is ordinary output, already passed on: its rest follows as it comes. */
  passing: boolean;
  /** The current line is inside a block and longer than any block may be: its rest is dropped. */
  lineCut: boolean;
  /** The open block: its begin line and the lines since; null outside a block. */
  block: Block | null;
}

interface Block {
  /** Metrics, the result of that name (`::gantry-result::begin NAME`) or a test report (`::gantry-report::begin PATH`). */
  kind: "metrics" | "result" | "report";
  name: string;
  begin: HeldLine;
  lines: HeldLine[];
  chars: number;
  dropped: number;
}

const END = { metrics: METRICS_END, result: RESULT_END, report: REPORT_END } as const;

export class MetricsBlocks implements LogSink {
  private readonly tracks = new Map<string, Track>();
  private readonly collected: string[] = [];
  private readonly resultBlocks = new Map<string, string>();
  private readonly reportBlocks = new Map<string, string>();
  private readonly reportProblems: string[] = [];
  private reportChars = 0;
  private chars = 0;
  private ended = 0;

  constructor(private readonly inner: LogSink) {}

  get full() {
    return this.inner.full;
  }

  waitForRoom() {
    return this.inner.waitForRoom();
  }

  system(text: string) {
    this.inner.system(text);
  }

  write(stream: "out" | "err", data: Buffer | string, ts?: number, container?: string) {
    if (container !== undefined && container !== TASK_CONTAINER) return this.inner.write(stream, data, ts, container);
    const t = this.track(stream, container);
    this.feed(t, typeof data === "string" ? data : t.decoder.write(data), ts);
  }

  /** Blocks ended so far (all attempts of the task run). */
  get count(): number {
    return this.ended;
  }

  /**
   * The results the attempt's output carried (the Kubernetes wrapper prints `$GANTRY_RESULTS`
   * so), latest per name; taken, so that the next attempt starts with none.
   */
  takeResults(): { name: string; content: string }[] {
    const out = [...this.resultBlocks].map(([name, content]) => ({ name, content }));
    this.resultBlocks.clear();
    return out;
  }

  /**
   * The test reports the attempt's output carried (the Kubernetes wrapper prints the files the
   * task's `reports` globs match), and what was skipped; taken, like results.
   */
  takeReports(): CollectedReports {
    const out = { files: [...this.reportBlocks].map(([name, content]) => ({ name, content })), problems: [...this.reportProblems] };
    this.reportBlocks.clear();
    this.reportProblems.length = 0;
    this.reportChars = 0;
    return out;
  }

  /** The lines of every ended block, in order; null when there was none. */
  text(): string | null {
    return this.ended ? this.collected.join("\n") + "\n" : null;
  }

  /**
   * The attempt's output is over (`ExecHandle.wait()` resolved): a line without its newline is
   * passed on as it is, and an open block goes back to the log. The next attempt starts afresh;
   * the blocks of this one are kept.
   */
  endOfOutput() {
    for (const t of this.tracks.values()) {
      const rest = t.decoder.end();
      if (rest) this.feed(t, rest);
      if (t.block) {
        if (t.line) this.addToBlock(t.block, t.line);
        this.restore(t, t.block, "the output ended first");
      } else if (t.line) this.inner.write(t.stream, t.line, undefined, t.container);
    }
    this.tracks.clear();
  }

  private track(stream: "out" | "err", container?: string): Track {
    const key = `${stream}\u0000${container ?? ""}`;
    let t = this.tracks.get(key);
    if (!t)
      this.tracks.set(
        key,
        (t = { stream, container, decoder: new StringDecoder("utf8"), line: "", passing: false, lineCut: false, block: null }),
      );
    return t;
  }

  private feed(t: Track, text: string, ts?: number) {
    // Output without a begin marker in its whole lines goes on at once (the local executor's
    // chunks hold many lines; the bench pushes 200,000 a second); its last, open line is looked at.
    if (!t.block && !t.line) {
      const lastNl = text.lastIndexOf("\n");
      if (lastNl >= 0 && !text.includes(METRICS_BEGIN) && !text.includes(RESULT_BEGIN) && !text.includes(REPORT_BEGIN)) {
        this.inner.write(t.stream, text.slice(0, lastNl + 1), ts, t.container);
        t.passing = false;
        text = text.slice(lastNl + 1);
      }
    }
    let out = "";
    const flush = () => {
      if (out) this.inner.write(t.stream, out, ts, t.container);
      out = "";
    };
    let i = 0;
    while (i < text.length) {
      const nl = text.indexOf("\n", i);
      const end = nl < 0 ? text.length : nl + 1;
      if (t.passing) {
        out += text.slice(i, end);
        t.passing = nl < 0;
        i = end;
        continue;
      }
      if (!t.lineCut) t.line += text.slice(i, nl < 0 ? end : nl);
      i = end;
      if (t.block && t.line.length > lineLimit(t.block)) {
        t.line = t.line.slice(0, lineLimit(t.block));
        t.lineCut = true;
      }
      if (nl < 0) {
        // Not a marker and not in a block: the rest of this line needs no looking at.
        if (!t.block && !mayBecome(t.line, METRICS_BEGIN) && !mayBecomeNamed(t.line)) {
          out += t.line;
          t.line = "";
          t.passing = true;
        }
        continue;
      }
      const line = t.line;
      t.line = "";
      t.lineCut = false;
      const opens = beginOf(line);
      if (!t.block) {
        if (opens) {
          flush();
          t.block = { ...opens, begin: { text: line, ts }, lines: [], chars: 0, dropped: 0 };
        } else out += line + "\n";
      } else if (isMarker(line, END[t.block.kind])) {
        this.endBlock(t.block);
        t.block = null;
      } else if (opens) {
        flush();
        this.restore(t, t.block, "another begin came first");
        t.block = { ...opens, begin: { text: line, ts }, lines: [], chars: 0, dropped: 0 };
      } else this.addToBlock(t.block, line, ts);
    }
    flush();
  }

  private endBlock(b: Block) {
    const text = () => b.lines.map((l) => l.text).join("\n");
    if (b.kind === "metrics") {
      for (const l of b.lines) this.collected.push(l.text);
      this.chars += b.chars;
      this.ended++;
    } else if (b.kind === "result") this.resultBlocks.set(b.name, text());
    else if (b.dropped) {
      this.reportProblems.push(`test report ${b.name} skipped: a task's reports may have at most ${MAX_REPORT_BYTES} bytes together`);
    } else if (!this.reportBlocks.has(b.name)) {
      // A file two globs match is printed twice: read once.
      this.reportBlocks.set(b.name, text());
      this.reportChars += b.chars;
    }
  }

  /**
   * A line of the open block, kept while the task's blocks stay within the size limit (the parser
   * says what was cut); a report past its limit is dropped whole when it ends.
   */
  private addToBlock(b: Block, text: string, ts?: number) {
    const within =
      b.kind === "report" ? this.reportChars + b.chars + text.length + 1 <= MAX_REPORT_BYTES : this.chars + b.chars <= MAX_FILE_BYTES;
    if (within && !b.dropped) {
      b.lines.push({ text, ts });
      b.chars += text.length + 1;
    } else b.dropped++;
  }

  /** The open block was not metrics: its lines go to the log after all, as they came. */
  private restore(t: Track, b: Block, why: string) {
    t.block = null;
    const n = b.lines.length + b.dropped;
    const [begin, end, what] =
      b.kind === "metrics"
        ? [METRICS_BEGIN, METRICS_END, "metrics"]
        : b.kind === "result"
          ? [`${RESULT_BEGIN}${b.name}`, RESULT_END, "a result"]
          : [`${REPORT_BEGIN}${b.name}`, REPORT_END, "a test report"];
    this.inner.system(`${begin} without ${end} (${why}): the ${n} line(s) after it are shown as they came, not taken as ${what}`);
    this.inner.write(t.stream, b.begin.text + "\n", b.begin.ts, t.container);
    for (const l of b.lines) this.inner.write(t.stream, l.text + "\n", l.ts, t.container);
    const limit = b.kind === "report" ? MAX_REPORT_BYTES : MAX_FILE_BYTES;
    if (b.dropped) this.inner.system(`${b.dropped} more line(s) of it were past the ${limit}-byte limit and were not kept`);
  }
}
