import { describe, expect, it } from "vitest";
import type { RunStatus } from "./status";
import { brokenStageTask, finalOutcome, finallyGraceOver, stagesOutcome, type OutcomeRow } from "./run-outcome";

const row = (name: string, status: RunStatus, plan: OutcomeRow["plan"] = {}, message: string | null = null): OutcomeRow => ({
  name,
  status,
  message,
  startedAt: null,
  finishedAt: null,
  plan,
});
const notCancelled = { cancelRequested: false, message: null };

describe("what the stages came to", () => {
  it("is cancelled when the run was cancelled, whatever the tasks did", () => {
    expect(stagesOutcome([row("a", "failed")], { cancelRequested: true, message: "cancelled by ann" })).toEqual({
      status: "cancelled",
      message: "cancelled by ann",
    });
  });

  it("is failed by the first failed stage task, not by a finally task", () => {
    const rows = [row("a", "succeeded"), row("b", "failed", {}, "exit 3"), row("f", "failed", { finally: true })];
    expect(stagesOutcome(rows, notCancelled)).toEqual({ status: "failed", message: "task 'b' failed: exit 3" });
    expect(stagesOutcome([row("a", "succeeded"), row("f", "failed", { finally: true })], notCancelled)).toEqual({
      status: "succeeded",
      message: null,
    });
  });

  it("names the failed combination rather than a sibling cancelled because of it", () => {
    const m = { matrix: { task: "t", failFast: true } };
    expect(brokenStageTask([row("t (N=1)", "cancelled", m), row("t (N=2)", "failed", m)])?.name).toBe("t (N=2)");
  });

  it("counts a failed combination without failFast only once its siblings are over", () => {
    const m = { matrix: { task: "t", failFast: false } };
    expect(brokenStageTask([row("t (N=1)", "failed", m), row("t (N=2)", "running", m)])).toBeUndefined();
    expect(brokenStageTask([row("t (N=1)", "failed", m), row("t (N=2)", "succeeded", m)])?.name).toBe("t (N=1)");
  });
});

describe("how a run with finally tasks ends", () => {
  it("keeps the stages' outcome, but a failed finally task fails a run whose stages succeeded", () => {
    const ok = { status: "succeeded" as const, message: null };
    expect(finalOutcome(ok, [row("f", "succeeded", { finally: true })])).toEqual(ok);
    expect(finalOutcome(ok, [row("f", "failed", { finally: true }, "exit 1")])).toEqual({
      status: "failed",
      message: "finally task 'f' failed: exit 1",
    });
    const cancelled = { status: "cancelled" as const, message: "cancelled" };
    expect(finalOutcome(cancelled, [row("f", "failed", { finally: true })])).toEqual(cancelled);
  });

  it("gives a cancelled run's finally tasks five minutes", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    expect(finallyGraceOver(at, new Date("2026-01-01T00:04:59Z"))).toBe(false);
    expect(finallyGraceOver(at, new Date("2026-01-01T00:05:01Z"))).toBe(true);
    expect(finallyGraceOver(null, at)).toBe(true);
  });
});
