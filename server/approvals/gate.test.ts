import { describe, expect, it } from "vitest";
import type { GatePlan } from "@/lib/approvals";
import { decideGate } from "./gate";

const gate = (over: Partial<GatePlan> = {}): GatePlan => ({
  kind: "approval",
  approvers: ["alice", "bob", "carol"],
  requiredApprovals: 2,
  timeoutSeconds: 60,
  onTimeout: "fail",
  instructions: "",
  ...over,
});
const started = new Date("2026-01-01T10:00:00Z");
const at = (s: number) => new Date(started.getTime() + s * 1000);
const ok = (username: string, comment: string | null = null) => ({ username, decision: "approve" as const, comment });

describe("deciding a gate", () => {
  it("waits until the quorum, then passes naming who approved", () => {
    expect(decideGate(gate(), { startedAt: started }, [ok("alice")], at(10))).toBeNull();
    expect(decideGate(gate(), { startedAt: started }, [ok("alice"), ok("bob")], at(10))).toEqual({
      status: "succeeded",
      message: "approved by alice, bob",
    });
  });

  it("fails at a denial, with who and why, even after approvals", () => {
    const r = decideGate(
      gate(),
      { startedAt: started },
      [ok("alice"), { username: "bob", decision: "deny", comment: "not today" }],
      at(10),
    );
    expect(r).toEqual({ status: "failed", message: "denied by bob: not today" });
  });

  it("times out from the stored start time, as onTimeout says", () => {
    expect(decideGate(gate(), { startedAt: started }, [], at(59))).toBeNull();
    expect(decideGate(gate(), { startedAt: started }, [ok("alice")], at(60))).toEqual({
      status: "failed",
      message: "timed out after 60s with 1 of 2 approvals",
    });
    expect(decideGate(gate({ onTimeout: "approve" }), { startedAt: started }, [], at(61))?.status).toBe("succeeded");
    expect(decideGate(gate({ onTimeout: "skip" }), { startedAt: started }, [], at(61))?.status).toBe("skipped");
  });

  it("counts a quorum reached in time even when looked at after the deadline", () => {
    expect(decideGate(gate(), { startedAt: started }, [ok("alice"), ok("bob")], at(600))?.status).toBe("succeeded");
  });
});
