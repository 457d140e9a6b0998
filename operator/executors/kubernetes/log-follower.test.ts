import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { compareTs, cursorFromStored, LineDeduper, splitTimestamped, streamLines } from "./log-follower";

async function linesOf(chunks: (string | Buffer)[], keepUnended: boolean, fail?: Error): Promise<{ lines: string[]; error?: string }> {
  const src = Readable.from(
    (async function* () {
      yield* chunks;
      if (fail) throw fail;
    })(),
  );
  const lines: string[] = [];
  try {
    for await (const l of streamLines(src, keepUnended)) lines.push(l);
  } catch (e) {
    return { lines, error: (e as Error).message };
  }
  return { lines };
}

describe("log lines of a resumed stream", () => {
  it("splits the API's timestamp from the text, keeping spaces in the text", () => {
    expect(splitTimestamped("2026-01-02T03:04:05.123456789Z  indented text")).toEqual({
      ts: "2026-01-02T03:04:05.123456789Z",
      text: " indented text",
    });
    expect(splitTimestamped("no timestamp here")).toBeNull();
  });

  it("orders timestamps by their nanoseconds, not only milliseconds", () => {
    expect(compareTs("2026-01-02T03:04:05.000000002Z", "2026-01-02T03:04:05.000000001Z")).toBeGreaterThan(0);
    expect(compareTs("2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000000000Z")).toBe(0);
  });

  it("after a dropped stream resumes at the second, writes neither a line twice nor skips one", () => {
    const d = new LineDeduper();
    const first = ["2026-01-02T03:04:05.1Z", "2026-01-02T03:04:05.2Z", "2026-01-02T03:04:05.2Z"];
    expect(first.map((ts) => d.accept(ts))).toEqual([true, true, true]);
    expect(d.sinceTime).toBe("2026-01-02T03:04:05Z");
    // The API answers from the start of that second: everything again, then what is new.
    d.restart();
    const again = [...first, "2026-01-02T03:04:05.2Z", "2026-01-02T03:04:06.0Z"];
    expect(again.map((ts) => d.accept(ts))).toEqual([false, false, false, true, true]);
  });

  it("leaves out a line a follow stream stopped in the middle of: the resumed stream brings it whole", async () => {
    const ts = "2026-01-02T03:04:05.1Z";
    // Closed cleanly by the other end, or reset: either way the cut line is not given.
    expect(await linesOf([`${ts} one\r\n${ts} tw`, "o\n", `${ts} ::gantry-metrics::be`], false)).toEqual({
      lines: [`${ts} one`, `${ts} two`],
    });
    expect(await linesOf([`${ts} one\n${ts} cut_va`], false, new Error("connection reset"))).toEqual({
      lines: [`${ts} one`],
      error: "connection reset",
    });
    // The last read, to the end of a terminated container's log, keeps a last line without a newline.
    expect(await linesOf([`${ts} one\n${ts} last`], true)).toEqual({ lines: [`${ts} one`, `${ts} last`] });
    // UTF-8 split between chunks.
    const b = Buffer.from(`${ts} café\n`);
    expect(await linesOf([b.subarray(0, b.length - 3), b.subarray(b.length - 3)], false)).toEqual({ lines: [`${ts} café`] });
  });

  it("skips what a previous operator already stored when it resumes from a time", () => {
    const d = new LineDeduper({ lastTs: "2026-01-02T03:04:05.500Z", sameTs: Number.MAX_SAFE_INTEGER });
    expect(["2026-01-02T03:04:05.1Z", "2026-01-02T03:04:05.500Z", "2026-01-02T03:04:05.6Z"].map((ts) => d.accept(ts))).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("goes on after each container's last stored line when an operator takes an attempt over", () => {
    const at = (ms: number) => Date.parse("2026-01-02T03:04:05Z") + ms;
    const tail = [
      { seq: 1, ts: at(0), stream: "sys" as const, text: "BuildJob gantry/x created" },
      { seq: 2, ts: at(100), stream: "out" as const, text: "[clone] cloning" },
      { seq: 3, ts: at(200), stream: "out" as const, text: "one" },
      { seq: 4, ts: at(300), stream: "out" as const, text: "two" },
      { seq: 5, ts: at(300), stream: "out" as const, text: "two again" },
      { seq: 6, ts: at(900), stream: "sys" as const, text: "operator 'a' stopped responding" },
    ];
    expect(cursorFromStored(tail, "main", ["clone", "main"])).toEqual({ lastTs: "2026-01-02T03:04:05.300Z", sameTs: 2 });
    expect(cursorFromStored(tail, "clone", ["clone", "main"])).toEqual({ lastTs: "2026-01-02T03:04:05.100Z", sameTs: 1 });
    expect(cursorFromStored(tail, "cache", ["clone", "main", "cache"])).toBeNull();
    // The API gives nanoseconds, the store kept milliseconds: same-millisecond lines are counted.
    const d = new LineDeduper(cursorFromStored(tail, "main", ["clone", "main"]), "ms");
    const replay = [
      "2026-01-02T03:04:05.200000001Z",
      "2026-01-02T03:04:05.300000002Z",
      "2026-01-02T03:04:05.300000003Z",
      "2026-01-02T03:04:05.300000004Z",
      "2026-01-02T03:04:05.4Z",
    ];
    expect(replay.map((ts) => d.accept(ts))).toEqual([false, false, false, true, true]);
  });
});
