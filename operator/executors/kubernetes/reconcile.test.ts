import { describe, expect, it } from "vitest";
import type { BuildJobStatus } from "./buildjob-schema";
import { needsWrite } from "./reconcile";

const st = (phase: BuildJobStatus["phase"], reason: string, message = ""): BuildJobStatus => ({
  phase,
  conditions: [
    {
      type: "Succeeded",
      status: phase === "Succeeded" ? "True" : phase === "Failed" || phase === "Cancelled" ? "False" : "Unknown",
      reason,
      message,
      lastTransitionTime: "2026-01-01T00:00:00Z",
    },
  ],
  ...(message ? { message } : {}),
});

describe("status writes (at most Running and the outcome per attempt)", () => {
  it("writes nothing while the Job is being created or its pod waits for nothing in particular", () => {
    expect(needsWrite(undefined, st("Pending", "Creating"))).toBe(false);
    expect(needsWrite(undefined, st("Pending", "Pending"))).toBe(false);
  });

  it("writes when the phase changes, and a final outcome once", () => {
    expect(needsWrite(undefined, st("Running", "Running"))).toBe(true);
    expect(needsWrite(st("Running", "Running"), st("Succeeded", "Succeeded"))).toBe(true);
    expect(needsWrite(st("Succeeded", "Succeeded"), st("Succeeded", "Succeeded"))).toBe(false);
  });

  it("does not write quiet progress within a phase", () => {
    expect(needsWrite(st("Running", "Initializing"), st("Running", "Running"))).toBe(false);
  });

  it("writes a reason a person must act on (image pull, unschedulable), and when it goes away", () => {
    expect(needsWrite(undefined, st("Pending", "Unschedulable", "0/1 nodes are available"))).toBe(true);
    expect(needsWrite(st("Pending", "Unschedulable", "a"), st("Pending", "Unschedulable", "b"))).toBe(true);
    expect(needsWrite(st("Pending", "ImagePullBackOff", "x"), st("Pending", "Pending"))).toBe(true);
  });
});
