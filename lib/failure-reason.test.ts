import { describe, expect, it } from "vitest";
import { failureReason } from "./failure-reason";

describe("failureReason", () => {
  it("takes the executor's Kubernetes reason", () => {
    expect(failureReason("OOMKilled", "out of memory: killed at its memory limit of 64Mi (exit code 137)")).toBe("OOMKilled");
    expect(failureReason("Evicted", "the pod was evicted: The node was low on resource: memory.")).toBe("Evicted");
  });

  it("prefers what a timed-out pod was waiting for over the time-out", () => {
    expect(
      failureReason(
        "DeadlineExceeded",
        "timed out after 60s while the pod was waiting (ImagePullBackOff: cannot pull image x:1 for the task's container)",
      ),
    ).toBe("ImagePullBackOff");
    expect(
      failureReason("DeadlineExceeded", "timed out after 60s while the pod was waiting (Unschedulable: 0/3 nodes are available)"),
    ).toBe("Unschedulable");
    expect(failureReason("DeadlineExceeded", "timed out after 60s")).toBe("DeadlineExceeded");
  });

  it("reads the task run's message when the executor gave no reason (the local executor, an adopted task)", () => {
    expect(failureReason(null, "timed out after 30s")).toBe("DeadlineExceeded");
    expect(failureReason("Failed", "exit code 1: npm error code E404")).toBeNull();
    expect(failureReason(undefined, null)).toBeNull();
  });
});
