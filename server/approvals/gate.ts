import { gateDeadline, type Decision, type GatePlan } from "@/lib/approvals";
import type { TaskRunRow } from "../db/schema";

/**
 * How a manual-approval gate ends, decided from stored rows only (its decisions, when it started
 * waiting, its timeout), so that any operator — or the same one after a restart — reaches the
 * same answer. Pure: the run state module (server/runs/state.ts) reads the rows and applies it.
 */

export type GateOutcome = { status: "succeeded" | "failed" | "skipped"; message: string };

export interface ApprovalState {
  approvers: string[];
  requiredApprovals: number;
  approvals: number;
  onTimeout: GatePlan["onTimeout"];
  instructions: string;
  /** When the gate times out; null before it starts waiting. */
  deadline: Date | null;
  decisions: { username: string; decision: Decision; comment: string | null; at: Date }[];
  /** Whether the caller may decide now (only where a caller is known). */
  canDecide?: boolean;
}

export function approvalState(
  gate: GatePlan,
  startedAt: Date | null,
  rows: { username: string; decision: Decision; comment: string | null; createdAt: Date }[],
): ApprovalState {
  const decisions = rows.map((d) => ({ username: d.username, decision: d.decision, comment: d.comment, at: d.createdAt }));
  return {
    approvers: gate.approvers,
    requiredApprovals: gate.requiredApprovals,
    approvals: decisions.filter((d) => d.decision === "approve").length,
    onTimeout: gate.onTimeout,
    instructions: gate.instructions,
    deadline: gateDeadline(gate, startedAt),
    decisions,
  };
}

export function decideGate(
  gate: GatePlan,
  tr: Pick<TaskRunRow, "startedAt">,
  decisions: { username: string; decision: "approve" | "deny"; comment: string | null }[],
  now: Date,
): GateOutcome | null {
  const deny = decisions.find((d) => d.decision === "deny");
  if (deny) return { status: "failed", message: `denied by ${deny.username}${deny.comment ? `: ${deny.comment}` : ""}` };
  const approvedBy = decisions.filter((d) => d.decision === "approve").map((d) => d.username);
  if (approvedBy.length >= gate.requiredApprovals) return { status: "succeeded", message: `approved by ${approvedBy.join(", ")}` };
  const deadline = gateDeadline(gate, tr.startedAt);
  if (deadline && now.getTime() >= deadline.getTime()) {
    const got = `${approvedBy.length} of ${gate.requiredApprovals} approval${gate.requiredApprovals === 1 ? "" : "s"}`;
    const after = `timed out after ${formatDuration(gate.timeoutSeconds)} with ${got}`;
    if (gate.onTimeout === "approve") return { status: "succeeded", message: `${after}; approved on timeout` };
    if (gate.onTimeout === "skip") return { status: "skipped", message: `${after}; the rest of the run is skipped` };
    return { status: "failed", message: after };
  }
  return null;
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round((seconds / 3600) * 10) / 10}h`;
  return `${Math.round((seconds / 86400) * 10) / 10}d`;
}
