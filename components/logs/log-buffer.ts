import { hasSpecial, parseAnsi, PLAIN, stripAnsi, type AnsiStyle } from "@/lib/ansi";

/**
 * The log viewer's line store. Lines arrive one SSE event at a time and are appended in batches
 * (once per animation frame) to a plain array that React never copies: the viewer re-renders
 * with the new count and reads only the rows it shows.
 */

export interface LogEvent {
  seq: number;
  ts: number | string;
  stream: "out" | "err" | "sys";
  text: string;
}

export interface LogLine {
  seq: number;
  /** Epoch milliseconds. */
  ts: number;
  stream: LogEvent["stream"];
  /** What is shown: at most MAX_LINE_CHARS, escape sequences intact. */
  text: string;
  /** ANSI style in force at the start of the line (carried over from the line before). */
  start: AnsiStyle;
  /** Length of the original line when `text` was cut. */
  fullLength?: number;
  /** What the line shows, when that differs from `text` (escapes, control bytes): what search sees. */
  visible?: string;
}

/** Longer lines are cut for display; "Download raw log" has them whole. */
export const MAX_LINE_CHARS = 10_000;
/** Past this the viewer stops taking lines and says so, instead of exhausting the tab's memory. */
export const MAX_LINES = 1_000_000;

export class LogBuffer {
  readonly lines: LogLine[] = [];
  /** Highest sequence number taken; replays after a reconnect are skipped. */
  lastSeq = 0;
  /** Widest line in character columns, so horizontal scrolling covers the longest line. */
  maxColumns = 0;
  /** Lines refused because the buffer is full. */
  dropped = 0;
  private pending: LogEvent[] = [];
  private style: AnsiStyle = PLAIN;

  push(e: LogEvent) {
    this.pending.push(e);
  }

  get pendingCount() {
    return this.pending.length;
  }

  /** Moves pending lines into `lines`; returns how many were added. */
  flush(): number {
    const batch = this.pending;
    if (batch.length === 0) return 0;
    this.pending = [];
    let added = 0;
    for (const e of batch) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      if (this.lines.length >= MAX_LINES) {
        this.dropped++;
        continue;
      }
      this.lines.push(this.toLine(e));
      added++;
    }
    return added;
  }

  private toLine(e: LogEvent): LogLine {
    const raw = typeof e.text === "string" ? e.text : String(e.text ?? "");
    const start = this.style;
    // Only lines with escape sequences can change the style; the rest skip the parser.
    const hasEsc = raw.includes("\x1b");
    let text = raw;
    let fullLength: number | undefined;
    let visible = raw;
    if (raw.length > MAX_LINE_CHARS) {
      fullLength = raw.length;
      // Don't leave half an escape sequence at the cut.
      // eslint-disable-next-line no-control-regex -- an escape sequence starts with ESC and may hold BEL
      text = raw.slice(0, MAX_LINE_CHARS).replace(/\x1b[^A-Za-z\x07]*$/, "");
      visible = hasSpecial(text) ? stripAnsi(text, start) : text;
      if (hasEsc) this.style = parseAnsi(raw, start).end;
    } else if (hasEsc) {
      const p = parseAnsi(raw, start);
      this.style = p.end;
      visible = p.spans.map((s) => s.text).join("");
    } else if (hasSpecial(raw)) {
      visible = stripAnsi(raw, start);
    }
    const cols = visible.length + countTabs(visible) * 7 + (fullLength ? 40 : 0);
    if (cols > this.maxColumns) this.maxColumns = cols;
    const ts = typeof e.ts === "number" ? e.ts : Date.parse(e.ts);
    const line: LogLine = { seq: e.seq, ts, stream: e.stream, text, start, fullLength };
    if (visible !== text) line.visible = visible;
    return line;
  }
}

function countTabs(s: string) {
  let n = 0;
  for (let i = s.indexOf("\t"); i !== -1; i = s.indexOf("\t", i + 1)) n++;
  return n;
}
