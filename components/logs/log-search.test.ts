import { describe, expect, it } from "vitest";
import { parseAnsi } from "@/lib/ansi";
import { LogBuffer } from "./log-buffer";
import { compileQuery, locateMatch, firstMatchFrom, markSpans, matchRanges, searchLog, visibleText, type SearchQuery } from "./log-search";

function bufferOf(texts: string[]) {
  const b = new LogBuffer();
  texts.forEach((text, i) => b.push({ seq: i + 1, ts: 0, stream: "out", text }));
  b.flush();
  return b;
}

function compiled(q: Partial<SearchQuery> & { text: string }) {
  const c = compileQuery({ regex: false, caseSensitive: false, ...q });
  if (!c?.ok) throw new Error(`expected ${q.text} to compile, got ${JSON.stringify(c)}`);
  return c;
}

const search = (texts: string[], q: Partial<SearchQuery> & { text: string }) => {
  const b = bufferOf(texts);
  return searchLog(b.lines, b.lines.length, compiled(q));
};

describe("log search", () => {
  it("finds plain text anywhere in the log, ignoring case unless asked", () => {
    const lines = ["Build OK", "error: disk full", "ERROR again", "fine"];
    const r = search(lines, { text: "error" });
    expect(r.total).toBe(2);
    expect(r.lines).toEqual([1, 2]);
    expect(search(lines, { text: "error", caseSensitive: true }).lines).toEqual([1]);
  });

  it("counts every match on a line, and says where match k is", () => {
    const r = search(["a a", "b", "a", "a a a"], { text: "a" });
    expect(r.total).toBe(6);
    expect([0, 1, 2, 3, 5].map((k) => locateMatch(r, k))).toEqual([
      { line: 0, nth: 0 },
      { line: 0, nth: 1 },
      { line: 2, nth: 0 },
      { line: 3, nth: 0 },
      { line: 3, nth: 2 },
    ]);
    expect(locateMatch(r, 6)).toBeNull();
  });

  it("treats regex characters literally unless the regex option is on", () => {
    const lines = ["cost 1+1", "cost 11", "path a.b"];
    expect(search(lines, { text: "1+1" }).lines).toEqual([0]);
    expect(search(lines, { text: "1+1", regex: true }).lines).toEqual([1]);
    expect(search(lines, { text: "a.b" }).lines).toEqual([2]);
    expect(search(["step 12 took 340ms", "step 3"], { text: String.raw`\d+ms$`, regex: true }).total).toBe(1);
  });

  it("says what is wrong with an invalid regex instead of throwing", () => {
    const c = compileQuery({ text: "(unclosed", regex: true, caseSensitive: false });
    expect(c).toEqual({ ok: false, error: expect.stringMatching(/^Invalid regular expression: .*group/i) });
    expect(compileQuery({ text: "(unclosed", regex: false, caseSensitive: false })?.ok).toBe(true);
    expect(compileQuery({ text: "", regex: true, caseSensitive: false })).toBeNull();
  });

  it("skips empty regex matches, which have nothing to highlight", () => {
    expect(search(["abc", ""], { text: "x*", regex: true }).total).toBe(0);
    expect(matchRanges("aa", compiled({ text: "a*", regex: true }).re)).toEqual([[0, 2]]);
  });

  it("matches what a coloured line shows, not its escape sequences", () => {
    const b = bufferOf(["\x1b[31mFAIL\x1b[0m \x1b[1mtest/a.ts\x1b[22m", "progress 10%\rprogress 100%", "[31m not an escape"]);
    expect(visibleText(b.lines[0])).toBe("FAIL test/a.ts");
    const q = compiled({ text: "FAIL test" });
    expect(searchLog(b.lines, 3, q).lines).toEqual([0]);
    expect(searchLog(b.lines, 3, compiled({ text: "31m" })).lines, "the escape's letters are not text").toEqual([2]);
    expect(searchLog(b.lines, 3, compiled({ text: "10%" })).total, "a carriage return overwrote it").toBe(0);
  });

  it("searches only the lines appended since the last result, and counts their matches", () => {
    const b = bufferOf(["error 1", "ok"]);
    const q = compiled({ text: "error" });
    const first = searchLog(b.lines, 2, q);
    expect(first.total).toBe(1);
    b.push({ seq: 3, ts: 0, stream: "out", text: "error 2" });
    b.push({ seq: 4, ts: 0, stream: "out", text: "ok" });
    b.flush();
    // A line already searched is changed behind the buffer's back: an incremental search must not look at it again.
    b.lines[1] = { ...b.lines[1], text: "error hidden" };
    const next = searchLog(b.lines, 4, q, first);
    expect(next.total).toBe(2);
    expect(next.lines).toEqual([0, 2]);
    expect(first.total, "the earlier result is left as it was").toBe(1);
    expect(searchLog(b.lines, 4, q, next)).toBe(next);
    expect(searchLog(b.lines, 4, compiled({ text: "hidden" }), next).lines, "another query starts over").toEqual([1]);
  });

  it("picks the first match at or after a line, wrapping to the first", () => {
    const r = search(["x", "", "", "x x", "", "x"], { text: "x" });
    expect(firstMatchFrom(r, 0)).toBe(0);
    expect(firstMatchFrom(r, 1)).toBe(1);
    expect(firstMatchFrom(r, 4)).toBe(3);
    expect(firstMatchFrom(r, 6)).toBe(0);
  });

  it("cuts coloured spans at the matches so a match across a colour change is marked whole", () => {
    const { spans } = parseAnsi("\x1b[32mok\x1b[0m: all passed");
    const re = compiled({ text: "k: a" }).re;
    const marked = markSpans(spans, matchRanges("ok: all passed", re));
    expect(marked.map((s) => [s.text, s.match, s.style.fg])).toEqual([
      ["o", undefined, 2],
      ["k", 0, 2],
      [": a", 0, undefined],
      ["ll passed", undefined, undefined],
    ]);
  });
});
