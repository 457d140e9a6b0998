import { describe, expect, it } from "vitest";
import { retryAfter, retryPolicy, type AttemptOutcome } from "./retry-policy";

const failed: AttemptOutcome = { exitCode: 1, timedOut: false, cancelled: false };
const policy = retryPolicy({ retries: 2, timeoutSeconds: 600 });

describe("retry policy", () => {
  it("counts the first attempt and its retries, each with the task's timeout, all together bounded", () => {
    expect(policy).toEqual({ maxAttempts: 3, attemptTimeoutSeconds: 600, totalTimeoutSeconds: 1800 });
    expect(retryPolicy({ retries: 0, timeoutSeconds: 60 }).maxAttempts).toBe(1);
  });

  it.each([
    ["a failure with attempts left", 1, failed, false, true],
    ["a timeout with attempts left", 2, { exitCode: null, timedOut: true, cancelled: false }, false, true],
    ["the last attempt's failure", 3, failed, false, false],
    ["a success", 1, { exitCode: 0, timedOut: false, cancelled: false }, false, false],
    ["a cancelled attempt", 1, { exitCode: null, timedOut: false, cancelled: true }, false, false],
    ["a permanent failure", 1, { ...failed, permanent: true }, false, false],
    ["a failure after the task was stopped", 1, failed, true, false],
  ] as const)("retries after %s: %s", (_what, attempt, outcome, stopped, expected) => {
    expect(retryAfter(policy, attempt, outcome, stopped)).toBe(expected);
  });
});
