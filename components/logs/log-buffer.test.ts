import { describe, expect, it } from "vitest";
import { LogBuffer, MAX_LINE_CHARS, type LogEvent } from "./log-buffer";

const ev = (seq: number, text: string, stream: LogEvent["stream"] = "out"): LogEvent => ({
  seq,
  ts: 1_700_000_000_000 + seq,
  stream,
  text,
});

describe("LogBuffer", () => {
  it("shows nothing until a batch is flushed, then all of it in order", () => {
    const b = new LogBuffer();
    b.push(ev(1, "one"));
    b.push(ev(2, "two"));
    expect(b.lines).toHaveLength(0);
    expect(b.flush()).toBe(2);
    expect(b.lines.map((l) => l.text)).toEqual(["one", "two"]);
  });

  it("skips lines replayed after a reconnect", () => {
    const b = new LogBuffer();
    [1, 2, 3].forEach((s) => b.push(ev(s, `l${s}`)));
    b.flush();
    [2, 3, 4].forEach((s) => b.push(ev(s, `l${s}`)));
    expect(b.flush()).toBe(1);
    expect(b.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
  });

  it("starts each line in the colour the previous one left on", () => {
    const b = new LogBuffer();
    b.push(ev(1, "\x1b[31merror block starts"));
    b.push(ev(2, "still red"));
    b.push(ev(3, "\x1b[0mback to normal"));
    b.push(ev(4, "plain"));
    b.flush();
    expect(b.lines.map((l) => l.start)).toEqual([{}, { fg: 1 }, { fg: 1 }, {}]);
  });

  it("cuts very long lines for display but remembers their length", () => {
    const b = new LogBuffer();
    const huge = "x".repeat(1024 * 1024 + 5);
    b.push(ev(1, huge));
    b.flush();
    expect(b.lines[0].text).toHaveLength(MAX_LINE_CHARS);
    expect(b.lines[0].fullLength).toBe(huge.length);
    expect(b.maxColumns).toBeGreaterThanOrEqual(MAX_LINE_CHARS);
    expect(b.maxColumns).toBeLessThan(MAX_LINE_CHARS + 100);
  });

  it("does not leave half an escape sequence where a long line is cut", () => {
    const b = new LogBuffer();
    b.push(ev(1, "a".repeat(MAX_LINE_CHARS - 3) + "\x1b[31mred"));
    b.flush();
    expect(b.lines[0].text).toBe("a".repeat(MAX_LINE_CHARS - 3));
  });

  it("measures width without escape sequences and with tabs expanded", () => {
    const b = new LogBuffer();
    b.push(ev(1, "\x1b[1;32mok\x1b[0m"));
    b.flush();
    expect(b.maxColumns).toBe(2);
    b.push(ev(2, "\tindented"));
    b.flush();
    expect(b.maxColumns).toBe(16);
  });

  // How fast is for the benchmarks (STYLE.md #18); here: a long build log arrives whole and in order.
  it("takes 100,000 lines (a tenth of them coloured) in batches and in order", () => {
    const b = new LogBuffer();
    for (let i = 1; i <= 100_000; i++) {
      b.push(ev(i, i % 10 === 0 ? `\x1b[32mline ${i} passed\x1b[0m` : `line ${i} of the build output`));
      if (i % 2000 === 0) b.flush();
    }
    b.flush();
    expect(b.lines).toHaveLength(100_000);
    expect(b.lines.every((l, i) => l.seq === i + 1)).toBe(true);
    expect(b.lines[99_999].text).toContain("line 100000 passed");
  });
});
