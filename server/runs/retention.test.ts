import { describe, expect, it } from "vitest";
import { effectivePolicy, keyBefore, pruneBefore } from "./retention";

const now = new Date("2026-12-08T12:00:00.000Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe("which runs retention prunes", () => {
  it("prunes nothing when neither the site nor the pipeline says so", () => {
    expect(effectivePolicy(undefined, 0)).toBeNull();
    expect(effectivePolicy(null, 0)).toBeNull();
    // A pipeline's `days: 0` keeps its runs forever even when the site prunes after 30 days.
    expect(effectivePolicy({ days: 0 }, 30)).toBeNull();
  });

  it("lets a pipeline's days replace the site's, and adds its keep count to them", () => {
    expect(effectivePolicy(undefined, 30)).toEqual({ keep: null, days: 30 });
    expect(effectivePolicy({ days: 365 }, 30)).toEqual({ keep: null, days: 365 });
    expect(effectivePolicy({ keep: 50 }, 30)).toEqual({ keep: 50, days: 30 });
    expect(effectivePolicy({ keep: 50 }, 0)).toEqual({ keep: 50, days: 0 });
    expect(effectivePolicy({ keep: 5, days: 0 }, 30)).toEqual({ keep: 5, days: 0 });
  });

  it("prunes runs that finished before the age cut-off", () => {
    expect(pruneBefore({ keep: null, days: 30 }, now, null)).toEqual({ at: daysAgo(30), id: "" });
  });

  it("prunes runs older than the keep-th newest, and nothing while a pipeline has fewer", () => {
    const oldestKept = { at: daysAgo(2), id: "b" };
    expect(pruneBefore({ keep: 10, days: 0 }, now, oldestKept)).toEqual(oldestKept);
    expect(pruneBefore({ keep: 10, days: 0 }, now, { at: new Date(0), id: "" })).toEqual({ at: new Date(0), id: "" });
  });

  it("prunes a run when either rule says so: the later bound wins", () => {
    // The 10th newest finished 2 days ago, the age limit is 30 days: the count prunes more.
    expect(pruneBefore({ keep: 10, days: 30 }, now, { at: daysAgo(2), id: "x" })).toEqual({ at: daysAgo(2), id: "x" });
    // The 10th newest finished 90 days ago: the age limit prunes more (runs 30–90 days old too).
    expect(pruneBefore({ keep: 10, days: 30 }, now, { at: daysAgo(90), id: "x" })).toEqual({ at: daysAgo(30), id: "" });
  });

  it("orders runs that finished in the same millisecond by id", () => {
    const at = daysAgo(1);
    expect(keyBefore({ at, id: "a" }, { at, id: "b" })).toBe(true);
    expect(keyBefore({ at, id: "b" }, { at, id: "b" })).toBe(false);
    expect(keyBefore({ at: daysAgo(2), id: "z" }, { at, id: "a" })).toBe(true);
  });
});
