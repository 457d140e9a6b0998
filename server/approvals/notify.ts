import { randomUUID } from "node:crypto";
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { describeApprovers, gateDeadline, roleOfEntry, type GatePlan } from "@/lib/approvals";
import { ROLES, roleRank } from "@/lib/projects";
import { audit, SYSTEM_ACTOR } from "../audit/audit";
import type { Db, DbOrTx } from "../db/client";
import { affectedRows } from "../db/result";
import { memberships, notificationOutbox, pipelines, runs, taskRuns, users, type TaskRunRow } from "../db/schema";
import type { Mail } from "./mail";

/**
 * Who is told that a gate waits, and what they are told. The operator's gate watcher
 * (operator/scheduler/gates.ts) queues one mail per approver in the notification outbox
 * (server/notifications/outbox.ts), which sends them with retries like every other notification.
 */

export interface WaitingGate {
  tr: TaskRunRow;
  gate: GatePlan;
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
  return rows.flatMap((r) => (r.tr.plan.gate ? [{ ...r, gate: r.tr.plan.gate }] : []));
}

export const APPROVAL_EVENT = "approval";

/**
 * Queues the approval mails of one waiting gate, once across replicas and restarts: the gate is
 * marked notified and its mails enter the outbox in one transaction, so a crash loses neither.
 * Returns the approvers who will be mailed, or null when another caller got there first.
 * Without `mail` (no SMTP server configured) the gate is only marked.
 */
export async function queueApprovalMails(db: Db, g: WaitingGate, opts: { mail: boolean }) {
  return db.transaction(async (tx) => {
    const r = await tx
      .update(taskRuns)
      .set({ notifiedAt: new Date() })
      .where(and(eq(taskRuns.id, g.tr.id), eq(taskRuns.status, "waiting"), isNull(taskRuns.notifiedAt)));
    if (affectedRows(r) !== 1) return null;
    const to = await gateRecipients(tx, g.projectId, g.gate.approvers);
    if (!opts.mail || to.length === 0) return to;
    await tx.insert(notificationOutbox).values(
      to.map((p) => ({
        id: randomUUID(),
        runId: g.tr.runId,
        taskRunId: g.tr.id,
        event: APPROVAL_EVENT,
        channel: "email",
        target: p.email,
      })),
    );
    await audit(tx, SYSTEM_ACTOR, {
      action: "approval.notify",
      targetType: "task_run",
      targetId: g.tr.id,
      targetName: `${g.pipelineName} #${g.runNumber} ${g.tr.name}`,
      projectId: g.projectId,
      details: { runId: g.tr.runId, to: to.map((p) => p.username) },
    });
    return to;
  });
}

/** The approval mail of the outbox row for gate `taskRunId`, from what is stored now. */
export async function approvalMailFor(db: DbOrTx, taskRunId: string, to: string, publicUrl: string): Promise<Mail> {
  const [row] = await db
    .select({ tr: taskRuns, runNumber: runs.number, pipelineName: pipelines.name })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(eq(taskRuns.id, taskRunId));
  const gate = row?.tr.plan.gate;
  if (!row || !gate) throw new Error(`approval gate ${taskRunId} no longer exists`);
  return approvalMail(
    {
      gate,
      taskRunId,
      taskName: row.tr.name,
      startedAt: row.tr.startedAt,
      runId: row.tr.runId,
      runNumber: row.runNumber,
      pipelineName: row.pipelineName,
    },
    to,
    publicUrl,
  );
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
