import { describe, expect, it } from "vitest";
import type { LogLine, LogStore } from "@/server/logs/store";
import { LogWriter } from "@/server/logs/writer";
import { MAX_FILE_BYTES, MAX_SAMPLES, parseTaskMetrics } from "@/server/metrics/task-metrics";
import { MAX_REPORT_BYTES } from "../executors/reports";
import { MetricsBlocks } from "./metrics-blocks";

const BEGIN = "::gantry-metrics::begin";
const END = "::gantry-metrics::end";

class MemoryStore implements LogStore {
  lines: LogLine[] = [];
  async append(_id: string, lines: LogLine[]) {
    this.lines.push(...lines);
  }
  async read() {
    return this.lines;
  }
  async lastSeq() {
    return this.lines.length;
  }
}

/** The sink run-task gives executors, in front of a real log writer. */
function setUp() {
  const store = new MemoryStore();
  const writer = new LogWriter(store, "tr", { flushMs: 0 });
  const blocks = new MetricsBlocks(writer);
  return {
    blocks,
    /** Ends the attempt's output and returns the stored lines. */
    async end(): Promise<LogLine[]> {
      blocks.endOfOutput();
      await writer.close();
      return store.lines;
    },
  };
}
const texts = (lines: LogLine[], stream?: string) => lines.filter((l) => !stream || l.stream === stream).map((l) => l.text);

describe("metrics blocks in a task's output", () => {
  it("takes a block out of the log and keeps its lines for the task's metrics", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", `building\n${BEGIN}\nartifact_bytes{kind="jar"} 12345\n# TYPE tests_total counter\ntests_total 7\n${END}\ndone\n`);
    const lines = await end();
    expect(texts(lines)).toEqual(["building", "done"]);
    expect(blocks.text()).toBe('artifact_bytes{kind="jar"} 12345\n# TYPE tests_total counter\ntests_total 7\n');
    expect(parseTaskMetrics(blocks.text()!).samples).toEqual([
      { name: "artifact_bytes", labels: { kind: "jar" }, value: 12345 },
      { name: "tests_total", labels: {}, value: 7 },
    ]);
  });

  it("finds markers and lines split across writes, down to single bytes of UTF-8", async () => {
    const { blocks, end } = setUp();
    const out = Buffer.from(`héllo\n${BEGIN}\r\nsize{name="café"} 3\r\n${END}  \nbye ::\n`);
    for (let i = 0; i < out.length; i++) blocks.write("out", out.subarray(i, i + 1));
    const lines = await end();
    expect(texts(lines)).toEqual(["héllo", "bye ::"]);
    expect(parseTaskMetrics(blocks.text()!).samples).toEqual([{ name: "size", labels: { name: "café" }, value: 3 }]);
  });

  it("leaves the marker's text alone when it is not a whole line", async () => {
    const { blocks, end } = setUp();
    const out = [`echo ${BEGIN}`, `  ${BEGIN}`, `${BEGIN}ning`, `${BEGIN} now`, "x 1", END, "after"];
    // In one write, and cut in the middle of each marker.
    blocks.write("out", out.join("\n") + "\n");
    for (const l of out) {
      blocks.write("err", l.slice(0, 10));
      blocks.write("err", l.slice(10) + "\n");
    }
    const lines = await end();
    expect(texts(lines, "out")).toEqual(out);
    expect(texts(lines, "err")).toEqual(out);
    expect(blocks.text()).toBeNull();
  });

  it("puts an unended block back in the log when the output ends, with a note and nothing taken", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", `${BEGIN}\n`, 1000, "main");
    blocks.write("out", "Traceback (most recent call last):\n", 1001, "main");
    blocks.write("out", "  boom", 1002, "main");
    const lines = await end();
    expect(lines.map((l) => [l.stream, l.text, l.stream === "sys" ? undefined : l.ts, l.container])).toEqual(
      [
        [
          "sys",
          `${BEGIN} without ${END} (the output ended first): the 2 line(s) after it are shown as they came, not taken as metrics`,
          undefined,
          undefined,
        ],
        ["out", BEGIN, 1000, "main"],
        ["out", "Traceback (most recent call last):", 1001, "main"],
        ["out", "  boom", undefined, "main"],
      ].map(([s, t, ts, c]) => [s, t, ts ?? (s === "sys" ? undefined : expect.any(Number)), c]),
    );
    expect(blocks.text()).toBeNull();
  });

  it("a second begin before the end puts the first block back (a replaced pod started over)", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", `${BEGIN}\nhalf 1\n${BEGIN}\nwhole 2\n${END}\n`);
    const lines = await end();
    expect(texts(lines)).toEqual([expect.stringContaining("another begin came first"), BEGIN, "half 1"]);
    expect(blocks.text()).toBe("whole 2\n");
  });

  it("reads a block of stdout while stderr and sidecars write in between, but takes no block from a sidecar", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", `${BEGIN}\n`, 1, "main");
    blocks.write("out", "[db] ready\n", 2, "db");
    blocks.write("err", "warning: slow\n", 3);
    blocks.write("out", "a 1\n", 4, "main");
    blocks.write("out", `[db] ${BEGIN}\n`, 5, "db");
    blocks.write("out", `${BEGIN}\n`, 5, "db");
    blocks.write("out", `${END}\n`, 6, "main");
    const lines = await end();
    expect(lines.map((l) => [l.text, l.container])).toEqual([
      ["[db] ready", "db"],
      ["warning: slow", undefined],
      [`[db] ${BEGIN}`, "db"],
      [BEGIN, "db"],
    ]);
    expect(blocks.text()).toBe("a 1\n");
  });

  it("an attempt's unended block does not swallow the next attempt's output; ended blocks of all attempts count", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", `${BEGIN}\nfirst 1\n${END}\n${BEGIN}\ncut 1\n`);
    blocks.endOfOutput();
    blocks.write("out", `attempt 2\n${BEGIN}\nsecond 2\n${END}\n`);
    const lines = await end();
    expect(texts(lines).filter((t) => !t.includes("without"))).toEqual([BEGIN, "cut 1", "attempt 2"]);
    expect(blocks.text()).toBe("first 1\nsecond 2\n");
    expect(blocks.count).toBe(2);
  });

  it("holds at most the size limit of a task's blocks; the parser says the rest was ignored and caps the series", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", `${BEGIN}\n`);
    const line = (i: number) => `series_${i} ${i}\n`;
    let written = 0;
    for (let i = 0; written < 2 * MAX_FILE_BYTES; i++) {
      blocks.write("out", line(i));
      written += line(i).length;
    }
    // One line with no end in sight: kept to the limit, not without bound.
    for (let i = 0; i < 40; i++) blocks.write("out", "y".repeat(64 * 1024));
    blocks.write("out", `\n${END}\nafter\n`);
    const lines = await end();
    expect(texts(lines)).toEqual(["after"]);
    const text = blocks.text()!;
    expect(text.length).toBeLessThanOrEqual(MAX_FILE_BYTES + 64);
    const p = parseTaskMetrics(text);
    expect(p.samples).toHaveLength(MAX_SAMPLES);
    expect(p.problems).toContain(`more than ${MAX_FILE_BYTES} bytes: the rest was ignored`);
    expect(p.problems.some((x) => x.includes(`more than ${MAX_SAMPLES} samples`))).toBe(true);
  });

  it("passes output without markers through unchanged, long lines and all", async () => {
    const { blocks, end } = setUp();
    const long = "z".repeat(200_000);
    blocks.write("out", `one\ntwo\n${long.slice(0, 1000)}`);
    blocks.write("out", `${long.slice(1000)}\nthree`);
    const lines = await end();
    expect(texts(lines).join("")).toBe(`onetwo${long}three`);
    expect(texts(lines)[0]).toBe("one");
  });
});

describe("result blocks in a task's output (the Kubernetes wrapper prints $GANTRY_RESULTS so)", () => {
  it("takes each result out of the log, byte by byte too, and keeps the latest of each name", async () => {
    const { blocks, end } = setUp();
    const out = Buffer.from(
      `done\n::gantry-result::begin digest\nsha256:old\n::gantry-result::end\n::gantry-result::begin notes\nline 1\nline 2\n::gantry-result::end\n::gantry-result::begin digest\nsha256:abc\n::gantry-result::end\nbye\n`,
    );
    for (let i = 0; i < out.length; i++) blocks.write("out", out.subarray(i, i + 1));
    const lines = await end();
    expect(texts(lines)).toEqual(["done", "bye"]);
    expect(blocks.takeResults()).toEqual([
      { name: "digest", content: "sha256:abc" },
      { name: "notes", content: "line 1\nline 2" },
    ]);
    expect(blocks.takeResults()).toEqual([]);
    expect(blocks.text()).toBeNull();
  });

  it("gives an unended result block back to the log, and leaves an invalid name as output", async () => {
    const { blocks, end } = setUp();
    blocks.write("out", "::gantry-result::begin Bad Name\nx\n::gantry-result::begin cut\npartial\n");
    const lines = await end();
    expect(texts(lines, "out")).toEqual(["::gantry-result::begin Bad Name", "x", "::gantry-result::begin cut", "partial"]);
    expect(texts(lines, "sys").join("\n")).toContain("::gantry-result::begin cut without ::gantry-result::end (the output ended first)");
    expect(blocks.takeResults()).toEqual([]);
  });

  it("takes each test report out of the log by its path, byte by byte too, reading a file two globs matched once", async () => {
    const { blocks, end } = setUp();
    const report = (p: string, body: string) => `::gantry-report::begin ${p}\n${body}\n::gantry-report::end\n`;
    const out = Buffer.from(
      `tested\n${report("reports/a b.xml", "<testsuites>\n</testsuites>")}${report("reports/a b.xml", "<again/>")}bye\n`,
    );
    for (let i = 0; i < out.length; i++) blocks.write("out", out.subarray(i, i + 1));
    const lines = await end();
    expect(texts(lines)).toEqual(["tested", "bye"]);
    expect(blocks.takeReports()).toEqual({ files: [{ name: "reports/a b.xml", content: "<testsuites>\n</testsuites>" }], problems: [] });
    expect(blocks.takeReports()).toEqual({ files: [], problems: [] });
  });

  it("skips a report past the task's size limit whole and names it, and gives an unended one back to the log", async () => {
    const { blocks, end } = setUp();
    const big = "x".repeat(1024 * 1024);
    blocks.write("out", `::gantry-report::begin big.xml\n${Array(6).fill(big).join("\n")}\n::gantry-report::end\n`);
    blocks.write(
      "out",
      "::gantry-report::begin small.xml\n<testsuite/>\n::gantry-report::end\n::gantry-report::begin cut.xml\n<testsuites>\n",
    );
    const lines = await end();
    const r = blocks.takeReports();
    expect(r.files).toEqual([{ name: "small.xml", content: "<testsuite/>" }]);
    expect(r.problems).toEqual([`test report big.xml skipped: a task's reports may have at most ${MAX_REPORT_BYTES} bytes together`]);
    expect(texts(lines, "out")).toEqual(["::gantry-report::begin cut.xml", "<testsuites>"]);
    expect(texts(lines, "sys").join("\n")).toContain("not taken as a test report");
  });
});
