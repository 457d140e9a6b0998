import { and, asc, eq, inArray } from "drizzle-orm";
import { gateDeadline, type Decision, type GatePlan } from "@/lib/approvals";
import type { DbOrTx } from "../db/client";
import { approvals, taskRuns, type TaskRunRow } from "../db/schema";
import { bumpRev } from "../runs/state";

/**
 * How a manual-approval gate ends, decided from stored rows only (its decisions, when it started
 * waiting, its timeout), so that any operator — or the same one after a restart — reaches the
 * same answer. The run state machine (server/runs/state.ts) applies it.
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

export function approvalState(gate: GatePlan, startedAt: Date | null, rows: { username: string; decision: Decision; comment: string | null; createdAt: Date }[]): ApprovalState {
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

export async function decisionsOf(db: DbOrTx, taskRunIds: string[]) {
  if (taskRunIds.length === 0) return [];
  return db.select().from(approvals).where(inArray(approvals.taskRunId, taskRunIds)).orderBy(asc(approvals.createdAt), asc(approvals.id));
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

/** Decides the run's waiting gates; returns the task runs as they are now. */
export async function settleGates(tx: DbOrTx, trs: TaskRunRow[], now = new Date()): Promise<TaskRunRow[]> {
  const waiting = trs.filter((t) => t.status === "waiting" && t.plan.gate);
  if (waiting.length === 0) return trs;
  const all = await decisionsOf(tx, waiting.map((t) => t.id));
  const out = new Map(trs.map((t) => [t.id, t]));
  for (const t of waiting) {
    const outcome = decideGate(t.plan.gate!, t, all.filter((d) => d.taskRunId === t.id), now);
    if (!outcome) continue;
    const r = await tx
      .update(taskRuns)
      .set({ status: outcome.status, message: outcome.message.slice(0, 1000), finishedAt: now, updatedAt: now })
      .where(and(eq(taskRuns.id, t.id), eq(taskRuns.status, "waiting")));
    if (affectedRows(r) === 1) {
      await bumpRev(tx, t.runId);
      out.set(t.id, { ...t, status: outcome.status, message: outcome.message, finishedAt: now });
    }
  }
  return trs.map((t) => out.get(t.id)!);
}

/** queued → waiting: the gate's clock starts now (startedAt), and the operator notifies its approvers. */
export async function openGate(tx: DbOrTx, t: TaskRunRow, now = new Date()): Promise<boolean> {
  const r = await tx
    .update(taskRuns)
    .set({ status: "waiting", startedAt: now, updatedAt: now, message: null })
    .where(and(eq(taskRuns.id, t.id), eq(taskRuns.status, "queued")));
  if (affectedRows(r) !== 1) return false;
  await bumpRev(tx, t.runId);
  return true;
}

function affectedRows(r: unknown): number {
  const h = Array.isArray(r) ? r[0] : r;
  return Number((h as { affectedRows?: number })?.affectedRows ?? 0);
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round((seconds / 3600) * 10) / 10}h`;
  return `${Math.round((seconds / 86400) * 10) / 10}d`;
}
