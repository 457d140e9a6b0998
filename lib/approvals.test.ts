import { describe, expect, it } from "vitest";
import { canDecideNow, describeApprovers, isApprover } from "./approvals";

describe("approvers", () => {
  it("are named users, or members with a listed role or a stronger one", () => {
    const approvers = ["alice", "role:maintainer"];
    expect(isApprover(approvers, { username: "alice", role: "viewer" })).toBe(true);
    expect(isApprover(approvers, { username: "bob", role: "maintainer" })).toBe(true);
    expect(isApprover(approvers, { username: "carol", role: "owner" })).toBe(true);
    expect(isApprover(approvers, { username: "dave", role: "developer" })).toBe(false);
    expect(isApprover(approvers, { username: "erin", role: null })).toBe(false);
  });

  it("read as a sentence", () => {
    expect(describeApprovers(["alice", "bob", "role:developer"])).toBe("alice, bob or any developer or above");
    expect(describeApprovers(["role:owner"])).toBe("any owner");
  });
});

describe("who may decide now", () => {
  const gate = {
    approvers: ["alice", "bob"],
    deadline: new Date(Date.now() + 60_000),
    decisions: [{ username: "bob", decision: "approve" as const, comment: null, at: new Date() }],
  };
  const alice = { username: "alice", role: "developer" as const };
  it("an approver who has not decided, while the gate waits and before its deadline", () => {
    expect(canDecideNow(gate, "waiting", alice)).toBe(true);
    expect(canDecideNow(gate, "waiting", { username: "bob", role: null }), "already decided").toBe(false);
    expect(canDecideNow(gate, "succeeded", alice), "over").toBe(false);
    expect(canDecideNow(gate, "waiting", alice, Date.now() + 120_000), "past the deadline").toBe(false);
    expect(canDecideNow(gate, "waiting", null), "no approving scope").toBe(false);
  });
});
