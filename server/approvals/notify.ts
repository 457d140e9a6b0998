import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { describeApprovers, gateDeadline, roleOfEntry, type GatePlan } from "@/lib/approvals";
import { ROLES, roleRank } from "@/lib/projects";
import type { DbOrTx } from "../db/client";
import { memberships, pipelines, runs, taskRuns, users, type TaskRunRow } from "../db/schema";
import type { Mail } from "./mail";

/** Who is told that a gate waits, and what they are told. Used by the operator (operator/scheduler/gates.ts). */

/** Marks a waiting gate whose approvers were notified, so that it happens once across replicas and restarts. */
export const NOTIFIED_REF = "gate:notified";

export interface WaitingGate {
  tr: TaskRunRow;
  runNumber: number;
  pipelineId: string;
  pipelineName: string;
  projectId: string;
}

export async function listWaitingGates(db: DbOrTx): Promise<WaitingGate[]> {
  const rows = await db
    .select({
      tr: taskRuns,
      runNumber: runs.number,
      pipelineId: pipelines.id,
      pipelineName: pipelines.name,
      projectId: pipelines.projectId,
    })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(eq(taskRuns.status, "waiting"));
  return rows.filter((r) => r.tr.plan.gate);
}

/** Claims the notification of one gate: true for exactly one caller. */
export async function claimNotification(db: DbOrTx, taskRunId: string): Promise<boolean> {
  const r = await db
    .update(taskRuns)
    .set({ executorRef: NOTIFIED_REF })
    .where(and(eq(taskRuns.id, taskRunId), eq(taskRuns.status, "waiting"), isNull(taskRuns.executorRef)));
  const h = Array.isArray(r) ? r[0] : r;
  return Number((h as { affectedRows?: number }).affectedRows ?? 0) === 1;
}

/**
 * The approvers as people with an address: named users who belong to the project (or are site
 * administrators), and every member holding a listed role or a stronger one. Disabled users and
 * users without an email address are left out.
 */
export async function gateRecipients(db: DbOrTx, projectId: string, approvers: readonly string[]) {
  const names = approvers.filter((a) => !roleOfEntry(a));
  const listedRoles = approvers.map(roleOfEntry).filter((r) => r !== null);
  const weakest = listedRoles.length ? ROLES[Math.min(...listedRoles.map(roleRank))] : null;
  const byRole = weakest ? ROLES.filter((r) => roleRank(r) >= roleRank(weakest)) : [];
  const rows = await db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      disabled: users.disabled,
      siteRole: users.role,
      memberRole: memberships.role,
    })
    .from(users)
    .leftJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.projectId, projectId)))
    .where(
      or(
        names.length ? inArray(users.username, names) : undefined,
        byRole.length ? and(eq(memberships.projectId, projectId), inArray(memberships.role, byRole)) : undefined,
      ) ?? eq(users.id, "-"),
    );
  const out = new Map<string, { username: string; email: string }>();
  for (const r of rows) {
    if (r.disabled || !r.email) continue;
    const named = names.includes(r.username) && (r.memberRole !== null || r.siteRole === "admin");
    const viaRole = r.memberRole !== null && byRole.includes(r.memberRole);
    if (named || viaRole) out.set(r.username, { username: r.username, email: r.email });
  }
  return [...out.values()].sort((a, b) => a.username.localeCompare(b.username));
}

/** The run page with the gate selected. */
export function runUrl(publicUrl: string, runId: string, taskRunId: string) {
  return `${publicUrl}/runs/${runId}?task=${encodeURIComponent(taskRunId)}`;
}

export function approvalMail(
  g: {
    gate: GatePlan;
    taskRunId: string;
    taskName: string;
    startedAt: Date | null;
    runId: string;
    runNumber: number;
    pipelineName: string;
  },
  to: string,
  publicUrl: string,
): Mail {
  const deadline = gateDeadline(g.gate, g.startedAt);
  const url = runUrl(publicUrl, g.runId, g.taskRunId);
  const lines = [
    `${g.pipelineName} run #${g.runNumber} is waiting for approval at task '${g.taskName}'.`,
    "",
    ...(g.gate.instructions.trim() ? ["Instructions:", g.gate.instructions.trim(), ""] : []),
    `Approvals needed: ${g.gate.requiredApprovals}, from ${describeApprovers(g.gate.approvers)}.`,
    ...(deadline
      ? [
          `Deadline: ${deadline.toISOString()} (then: ${g.gate.onTimeout === "fail" ? "the run fails" : g.gate.onTimeout === "approve" ? "approved automatically" : "the rest of the run is skipped"}).`,
        ]
      : []),
    "",
    "Approve or deny on the run page:",
    url,
    "",
    "— Gantry",
  ];
  return { to, subject: `Approval needed: ${g.pipelineName} #${g.runNumber} — ${g.taskName}`, text: lines.join("\n") };
}
