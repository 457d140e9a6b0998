import { describe, expect, it } from "vitest";
import { lineFromHash } from "@/components/logs/use-line-anchor";
import { indexFor } from "./elasticsearch-index";
import { parseHighlight, parseQuery } from "./elasticsearch-query";
import { logLineUrl, matchTerms } from "./search";

describe("log search helpers", () => {
  it("splits a query into words and quoted phrases", () => {
    expect(parseQuery('error "connection refused" db')).toEqual({ words: ["error", "db"], phrases: ["connection refused"] });
    expect(parseQuery('"unclosed phrase')).toEqual({ words: [], phrases: ["unclosed phrase"] });
    expect(parseQuery('  "" x ')).toEqual({ words: ["x"], phrases: [] });
  });

  it("turns Elasticsearch's marked text into the line and the ranges that matched", () => {
    expect(parseHighlight("ERROR: \u0001connection\u0002 \u0001refused\u0002 by db")).toEqual({
      text: "ERROR: connection refused by db",
      ranges: [
        [7, 17],
        [18, 25],
      ],
    });
  });

  it("matches every term case-insensitively (MySQL store), merging overlapping ranges", () => {
    expect(matchTerms("Connection refused; connection reset", ["connection"])).toEqual([
      [0, 10],
      [20, 30],
    ]);
    expect(matchTerms("abcdef", ["abc", "cde"])).toEqual([[0, 5]]);
    expect(matchTerms("abc", ["abc", "zzz"])).toBeNull();
  });

  it("names daily indices by the line's UTC day", () => {
    expect(indexFor("gantry-logs", Date.UTC(2026, 0, 5, 23, 59))).toBe("gantry-logs-2026.01.05");
  });

  it("links a hit to its run, task and line, and reads the line back from the anchor", () => {
    const url = logLineUrl("r1", "t 1", 42);
    expect(url).toBe("/runs/r1?task=t%201#L42");
    expect(lineFromHash(new URL(url, "http://x").hash)).toBe(42);
    expect(lineFromHash("#L0")).toBeNull();
    expect(lineFromHash("#top")).toBeNull();
  });
});
