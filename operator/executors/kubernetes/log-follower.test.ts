import { describe, expect, it } from "vitest";
import { compareTs, LineDeduper, splitTimestamped } from "./log-follower";

describe("log lines of a resumed stream", () => {
  it("splits the API's timestamp from the text, keeping spaces in the text", () => {
    expect(splitTimestamped("2026-01-02T03:04:05.123456789Z  indented text")).toEqual({ ts: "2026-01-02T03:04:05.123456789Z", text: " indented text" });
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

  it("skips what a previous operator already stored when it resumes from a time", () => {
    const d = new LineDeduper({ lastTs: "2026-01-02T03:04:05.500Z", sameTs: Number.MAX_SAFE_INTEGER });
    expect(["2026-01-02T03:04:05.1Z", "2026-01-02T03:04:05.500Z", "2026-01-02T03:04:05.6Z"].map((ts) => d.accept(ts))).toEqual([false, false, true]);
  });
});
