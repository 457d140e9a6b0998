import type { AnsiSpan } from "@/lib/ansi";
import type { LogLine } from "./log-buffer";

/**
 * Search inside the log the viewer holds (the browser's find sees only the rendered rows of a
 * virtualised list). Pure functions over the buffer's lines: a result records, per line with
 * matches, how many matches come before it, so "match k" is a binary search and 100k lines of
 * results cost two numbers per matching line. Offsets inside a line are found again only for
 * the rows on screen.
 */

export interface SearchQuery {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

export type CompiledQuery = { ok: true; re: RegExp; key: string } | { ok: false; error: string };

/** A query as a global RegExp, or what is wrong with it. An empty query compiles to no search. */
export function compileQuery(q: SearchQuery): CompiledQuery | null {
  if (q.text === "") return null;
  const source = q.regex ? q.text : q.text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const flags = q.caseSensitive ? "g" : "gi";
  try {
    return { ok: true, re: new RegExp(source, flags), key: `${flags}/${source}` };
  } catch (e) {
    // "Invalid regular expression: /(/gi: Unterminated group" → "Unterminated group"
    const msg = e instanceof Error ? e.message.replace(/^.*: /, "") : String(e);
    return { ok: false, error: `Invalid regular expression: ${msg}` };
  }
}

/** What a line shows (escape sequences applied, control bytes as symbols): what search sees. */
export function visibleText(line: LogLine): string {
  return line.visible ?? line.text;
}

/**
 * [start, end) of each match in `text`. Empty matches (`^`, `x*`) are skipped: there is
 * nothing to highlight or jump to.
 */
export function matchRanges(text: string, re: RegExp): [number, number][] {
  const out: [number, number][] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end === m.index) re.lastIndex = m.index + 1;
    else out.push([m.index, end]);
  }
  return out;
}

/** matchRanges for one query, remembered per line: rows scrolled back into view are not searched again. */
export function rangesPerLine(re: RegExp): (index: number, line: LogLine) => [number, number][] {
  const seen = new Map<number, [number, number][]>();
  return (index, line) => {
    let r = seen.get(index);
    if (!r) {
      r = matchRanges(visibleText(line), re);
      seen.set(index, r);
    }
    return r;
  };
}

export interface SearchResult {
  /** The compiled query's key: a result is extended only by the same query. */
  key: string;
  /** Lines 0..scanned-1 have been searched. */
  scanned: number;
  /** Indexes of lines with at least one match, ascending. */
  lines: number[];
  /** before[i]: matches in lines[0..i-1]. */
  before: number[];
  total: number;
}

/**
 * Searches lines[0..upTo) for `query`. Given the result of an earlier call with the same query
 * over fewer lines (the log grew), only the new lines are searched. `lines` is only appended to
 * by the buffer, so the lines already searched cannot have changed.
 */
export function searchLog(
  lines: readonly LogLine[],
  upTo: number,
  query: CompiledQuery & { ok: true },
  prev?: SearchResult | null,
): SearchResult {
  const end = Math.min(upTo, lines.length);
  const from = prev && prev.key === query.key && prev.scanned <= end ? prev : null;
  if (from && from.scanned === end) return from;
  const hitLines: number[] = [];
  const hitBefore: number[] = [];
  let total = from ? from.total : 0;
  const re = query.re;
  for (let i = from ? from.scanned : 0; i < end; i++) {
    const text = visibleText(lines[i]);
    re.lastIndex = 0;
    // Most lines don't match: one test() decides before the ranges are counted.
    if (!re.test(text)) continue;
    const n = matchRanges(text, re).length;
    if (n === 0) continue;
    hitLines.push(i);
    hitBefore.push(total);
    total += n;
  }
  if (from && hitLines.length === 0) return { ...from, scanned: end };
  return {
    key: query.key,
    scanned: end,
    lines: from ? from.lines.concat(hitLines) : hitLines,
    before: from ? from.before.concat(hitBefore) : hitBefore,
    total,
  };
}

/** Where match k (0-based) is: its line and which match of that line it is. */
export function locateMatch(r: SearchResult, k: number): { line: number; nth: number } | null {
  if (k < 0 || k >= r.total) return null;
  let lo = 0;
  let hi = r.lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (r.before[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return { line: r.lines[lo], nth: k - r.before[lo] };
}

/** The index of the first match on or after `line` (wrapping to the first), or -1 if none. */
export function firstMatchFrom(r: SearchResult, line: number): number {
  if (r.total === 0) return -1;
  let lo = 0;
  let hi = r.lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r.lines[mid] < line) lo = mid + 1;
    else hi = mid;
  }
  return lo < r.lines.length ? r.before[lo] : 0;
}

export interface MarkedSpan extends AnsiSpan {
  /** Which match of the line this piece belongs to, if any. */
  match?: number;
}

/**
 * Cuts a line's styled spans where the matches start and end, so each piece keeps its colour
 * and a match that crosses a colour change is still highlighted whole.
 */
export function markSpans(spans: readonly AnsiSpan[], ranges: readonly [number, number][]): MarkedSpan[] {
  if (ranges.length === 0) return spans as MarkedSpan[];
  const out: MarkedSpan[] = [];
  let pos = 0;
  let r = 0;
  for (const s of spans) {
    const spanEnd = pos + s.text.length;
    let at = pos;
    while (at < spanEnd) {
      while (r < ranges.length && ranges[r][1] <= at) r++;
      if (r < ranges.length && ranges[r][0] <= at) {
        const to = Math.min(ranges[r][1], spanEnd);
        out.push({ text: s.text.slice(at - pos, to - pos), style: s.style, match: r });
        at = to;
      } else {
        const to = r < ranges.length ? Math.min(ranges[r][0], spanEnd) : spanEnd;
        out.push({ text: s.text.slice(at - pos, to - pos), style: s.style });
        at = to;
      }
    }
    pos = spanEnd;
  }
  return out;
}
