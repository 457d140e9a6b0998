import { describe, expect, it } from "vitest";
import { pairDelayMs } from "./login-throttle";

describe("pairDelayMs", () => {
  const limits = { perPair: 5, maxDelayMs: 15 * 60_000 };
  it("lets the first failures of a (user, address) pair through without a wait", () => {
    expect([1, 2, 3, 4].map((n) => pairDelayMs(n, limits))).toEqual([0, 0, 0, 0]);
  });
  it("doubles the wait with each failure past the limit", () => {
    expect([5, 6, 7, 8].map((n) => pairDelayMs(n, limits))).toEqual([2000, 4000, 8000, 16000]);
  });
  it("never waits longer than the cap, however many failures", () => {
    expect(pairDelayMs(15, limits)).toBe(15 * 60_000);
    expect(pairDelayMs(10_000, limits)).toBe(15 * 60_000);
  });
});
