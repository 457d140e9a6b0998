import { z } from "zod";
import { atLeast, type Role } from "./projects";

/**
 * Manual-approval gates: the frozen settings of one gate (in the task plan), and the pure rules
 * about who may decide it — shared by the server (which enforces them) and the run page (which
 * shows the buttons only to those who may use them).
 */

/** `role:developer` and up: a role entry names every member of the pipeline's project with that role or above. */
export const APPROVER_ROLES = ["developer", "maintainer", "owner"] as const;
export const APPROVER_PATTERN = "^(role:(developer|maintainer|owner)|[a-z0-9][a-z0-9._-]*)$";

export const GatePlanSchema = z.object({
  kind: z.literal("approval"),
  /** user names and/or `role:<role>` entries */
  approvers: z.array(z.string()).min(1),
  requiredApprovals: z.number().int().min(1),
  /** From the moment the gate starts waiting; its deadline is startedAt + this. */
  timeoutSeconds: z.number().positive(),
  onTimeout: z.enum(["fail", "approve", "skip"]),
  instructions: z.string(),
  /** The automatic gate of a pull request from a fork (server/runs/fork-gate.ts): a re-run never skips it. */
  fork: z.literal(true).optional(),
});
export type GatePlan = z.infer<typeof GatePlanSchema>;

export const DECISIONS = ["approve", "deny"] as const;
export type Decision = (typeof DECISIONS)[number];

export interface GateDecision {
  username: string;
  decision: Decision;
  comment: string | null;
  at: string | Date;
}

export function roleOfEntry(entry: string): Role | null {
  const m = /^role:(developer|maintainer|owner)$/.exec(entry);
  return m ? (m[1] as Role) : null;
}

/**
 * Whether a user is among a gate's approvers: named, or a member whose role in the pipeline's
 * project is at least one of the listed roles (site administrators count as owners).
 */
export function isApprover(approvers: readonly string[], who: { username: string; role: Role | null }): boolean {
  return approvers.some((a) => {
    const r = roleOfEntry(a);
    return r ? !!who.role && atLeast(who.role, r) : a === who.username;
  });
}

export function gateDeadline(gate: Pick<GatePlan, "timeoutSeconds">, startedAt: string | Date | null): Date | null {
  if (!startedAt) return null;
  return new Date(new Date(startedAt).getTime() + gate.timeoutSeconds * 1000);
}

/** Whether this user may decide the gate now: waiting, before its deadline, an approver, not decided yet. */
export function canDecideNow(
  g: { approvers: readonly string[]; deadline: string | Date | null; decisions: readonly GateDecision[] },
  status: string,
  who: { username: string; role: Role | null } | null,
  now = Date.now(),
): boolean {
  if (!who || status !== "waiting") return false;
  if (g.deadline && new Date(g.deadline).getTime() <= now) return false;
  if (g.decisions.some((d) => d.username === who.username)) return false;
  return isApprover(g.approvers, who);
}

/** "alice, bob or any maintainer" */
export function describeApprovers(approvers: readonly string[]): string {
  const parts = approvers.map((a) => {
    const r = roleOfEntry(a);
    return r ? `any ${r}${r === "owner" ? "" : " or above"}` : a;
  });
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}
