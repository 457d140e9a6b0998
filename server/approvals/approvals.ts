import { retryOnLockConflict } from "../db/errors";
import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray } from "drizzle-orm";
import { canDecideNow, describeApprovers, gateDeadline, isApprover, type Decision, type GateDecision } from "@/lib/approvals";
import { AppError, notFound } from "@/lib/errors";
import { scopeAllows } from "@/lib/permissions";
import type { Role } from "@/lib/projects";
import type { Db, DbOrTx } from "../db/client";
import { approvals, pipelines, projects, runs, taskRuns } from "../db/schema";
import { audit } from "../audit/audit";
import { rolesOf, type Actor, type ProjectAccess } from "../authz/authz";
import { advanceRun, bumpRev } from "../runs/state";
import { decisionsOf } from "./decisions";
import { approvalState, type ApprovalState } from "./gate";

export type { ApprovalState };

/**
 * The rules of deciding a manual-approval gate, in one place for the REST API and the run page:
 * who may decide (named approvers, or members with a listed role or above), when (while the gate
 * waits, before its deadline), and only once per approver. Every decision is stored and audited.
 */

/** The caller, as the approval rules see them in one project: name and effective role. */
export function approverIdentity(
  actor: Pick<Actor, "username" | "scope">,
  role: Role | null,
): { username: string; role: Role | null } | null {
  // A token whose scope cannot approve decides nothing, whoever owns it.
  return scopeAllows(actor.scope, "run.approve") ? { username: actor.username, role } : null;
}

/** Adds `canDecide` to each gate of a run view, for this caller. */
export function markDecidable<V extends { stages: { tasks: { status: string; approval?: ApprovalState }[] }[] }>(
  view: V,
  who: { username: string; role: Role | null } | null,
): V {
  for (const t of view.stages.flatMap((s) => s.tasks)) {
    if (t.approval)
      t.approval.canDecide = canDecideNow(
        t.approval as { approvers: string[]; deadline: Date | null; decisions: GateDecision[] },
        t.status,
        who,
      );
  }
  return view;
}

export interface DecideInput {
  decision: Decision;
  comment?: string | null;
}

/**
 * Records an approver's decision. The caller has been authorised by the operation (a member of
 * the gate's project, a token with the `run` scope); whether they are one of its approvers is
 * decided here, against the gate.
 */
export async function decideApproval(db: Db, actor: Actor, access: ProjectAccess, taskRunId: string, input: DecideInput) {
  const comment = input.comment?.trim() ? input.comment.trim().slice(0, 2000) : null;

  // The operator advances the same run in its own transactions: a deadlock rolls this one back whole.
  return retryOnLockConflict(() => decideInTransaction(db, actor, access, taskRunId, input, comment));
}

async function decideInTransaction(
  db: Db,
  actor: Actor,
  access: ProjectAccess,
  taskRunId: string,
  input: DecideInput,
  comment: string | null,
) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ tr: taskRuns, run: runs, pipelineName: pipelines.name })
      .from(taskRuns)
      .innerJoin(runs, eq(runs.id, taskRuns.runId))
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(eq(taskRuns.id, taskRunId));
    if (!row) throw notFound("task run", taskRunId);
    // Same lock order as the scheduler and cancel: the run first, then its task runs.
    const [run] = await tx.select().from(runs).where(eq(runs.id, row.run.id)).for("update");
    const [tr] = await tx.select().from(taskRuns).where(eq(taskRuns.id, taskRunId)).for("update");
    const gate = tr.plan.gate;
    const what = `task '${tr.name}' of ${row.pipelineName} #${run.number}`;
    if (!gate) throw new AppError("conflict", `${what} is not an approval gate`);

    if (!isApprover(gate.approvers, { username: actor.username, role: access.role })) {
      throw new AppError("forbidden", `you are not an approver of ${what}: it may be decided by ${describeApprovers(gate.approvers)}`, {
        approvers: gate.approvers,
      });
    }
    if (tr.status !== "waiting") {
      throw new AppError(
        "conflict",
        tr.status === "queued"
          ? `${what} is not waiting for approval yet`
          : `${what} is no longer waiting for approval: it ${tr.status}${tr.message ? ` (${tr.message})` : ""}`,
        { status: tr.status },
      );
    }
    const deadline = gateDeadline(gate, tr.startedAt);
    if (deadline && Date.now() >= deadline.getTime()) {
      throw new AppError("conflict", `${what} timed out at ${deadline.toISOString()}: decisions are no longer accepted`, {
        deadline: deadline.toISOString(),
      });
    }
    const [mine] = await tx
      .select()
      .from(approvals)
      .where(and(eq(approvals.taskRunId, taskRunId), eq(approvals.userId, actor.id)));
    if (mine) {
      throw new AppError(
        "conflict",
        `you already decided ${what} (${mine.decision}) at ${mine.createdAt.toISOString()}: an approver counts once`,
        {
          decision: mine.decision,
        },
      );
    }

    const id = randomUUID();
    try {
      await tx.insert(approvals).values({ id, taskRunId, userId: actor.id, username: actor.username, decision: input.decision, comment });
    } catch (e) {
      if (/Duplicate entry/i.test((e as Error).message))
        throw new AppError("conflict", `you already decided ${what}: an approver counts once`);
      throw e;
    }
    await audit(tx, actor, {
      action: `approval.${input.decision}`,
      targetType: "task_run",
      targetId: taskRunId,
      targetName: `${row.pipelineName} #${run.number} ${tr.name}`,
      projectId: access.projectId,
      details: { runId: run.id, pipelineId: run.pipelineId, task: tr.name, decision: input.decision, comment },
    });
    await bumpRev(tx, run.id);
    // Settle the gate now (quorum or denial) so the answer shows at once; the operator starts what follows.
    await advanceRun(tx, { ...run, rev: run.rev + 1 });

    const [after] = await tx.select().from(taskRuns).where(eq(taskRuns.id, taskRunId));
    const all = await decisionsOf(tx, [taskRunId]);
    const state = approvalState(gate, after.startedAt, all);
    return {
      taskRunId,
      runId: run.id,
      status: after.status,
      message: after.message,
      decision: { username: actor.username, decision: input.decision, comment, at: all.find((d) => d.id === id)?.createdAt ?? new Date() },
      approval: state,
    };
  });
}

export interface PendingApproval {
  taskRunId: string;
  taskName: string;
  runId: string;
  runNumber: number;
  pipelineId: string;
  pipelineName: string;
  projectSlug: string;
  startedAt: Date | null;
  approval: ApprovalState;
}

/** Gates waiting for this user's decision, across the projects they belong to, oldest first. */
export async function listPendingApprovals(db: DbOrTx, actor: Actor): Promise<PendingApproval[]> {
  const roles = await rolesOf(db, actor);
  if (roles.size === 0) return [];
  const rows = await db
    .select({ tr: taskRuns, run: runs, pipelineName: pipelines.name, projectId: pipelines.projectId, projectSlug: projects.slug })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(and(eq(taskRuns.status, "waiting"), inArray(pipelines.projectId, [...roles.keys()])))
    .orderBy(desc(taskRuns.startedAt));
  const gates = rows.flatMap((r) => (r.tr.plan.gate ? [{ ...r, gate: r.tr.plan.gate }] : []));
  const decisions = await decisionsOf(
    db,
    gates.map((g) => g.tr.id),
  );
  const out: PendingApproval[] = [];
  for (const g of gates) {
    const state = approvalState(
      g.gate,
      g.tr.startedAt,
      decisions.filter((d) => d.taskRunId === g.tr.id),
    );
    const who = approverIdentity(actor, roles.get(g.projectId) ?? null);
    if (!canDecideNow(state, g.tr.status, who)) continue;
    state.canDecide = true;
    out.push({
      taskRunId: g.tr.id,
      taskName: g.tr.name,
      runId: g.run.id,
      runNumber: g.run.number,
      pipelineId: g.run.pipelineId,
      pipelineName: g.pipelineName,
      projectSlug: g.projectSlug,
      startedAt: g.tr.startedAt,
      approval: state,
    });
  }
  return out.reverse();
}
