import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/lib/status";
import { stageStatus } from "./queries";

const tasks = (...s: RunStatus[]) => s.map((status) => ({ status }));

describe("stage status as users see it", () => {
  it("is running while any task runs, even when another already failed", () => {
    expect(stageStatus(tasks("running", "failed"))).toBe("running");
  });

  it("is running between the tasks of a sequential stage", () => {
    expect(stageStatus(tasks("succeeded", "queued"))).toBe("running");
  });

  it("is queued before any task started", () => {
    expect(stageStatus(tasks("queued", "queued"))).toBe("queued");
  });

  it("is failed when a task failed and the rest were skipped", () => {
    expect(stageStatus(tasks("succeeded", "failed", "skipped"))).toBe("failed");
  });

  it("is cancelled when a task was cancelled", () => {
    expect(stageStatus(tasks("cancelled", "skipped"))).toBe("cancelled");
  });

  it("is skipped when every task was skipped (an earlier stage failed)", () => {
    expect(stageStatus(tasks("skipped", "skipped"))).toBe("skipped");
  });

  it("is succeeded when every task succeeded", () => {
    expect(stageStatus(tasks("succeeded", "succeeded"))).toBe("succeeded");
  });

  it("is waiting when a task waits for approval and none runs", () => {
    expect(stageStatus(tasks("succeeded", "waiting"))).toBe("waiting");
  });
});
