"use client";

import { Check, UserCheck, X } from "lucide-react";
import { useEffect, useId, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { canDecideNow, describeApprovers } from "@/lib/approvals";
import type { RunJson } from "@/lib/api-schemas";
import type { Role } from "@/lib/projects";
import { decideApprovalAction } from "@/server/actions/approvals";
import { StatusBadge } from "./status-badge";

type TaskJson = RunJson["stages"][number]["tasks"][number];
export type Approver = { username: string; role: Role | null } | null;

/**
 * A manual-approval gate on the run page: the instructions, who may decide and until when, the
 * decisions so far (who, when, why), and — only for an approver who has not decided yet, while
 * the gate waits — Approve and Deny with a comment.
 */
export function ApprovalPanel({
  task,
  approval: a,
  me,
  onDecided,
}: {
  task: TaskJson;
  /** The task's gate (`task.approval`, which a gate task has). */
  approval: NonNullable<TaskJson["approval"]>;
  me: Approver;
  onDecided?: () => void;
}) {
  const now = useNow(a.deadline && task.status === "waiting" ? 1000 : null);
  const mayDecide = canDecideNow(a, task.status, me, now);
  const commentId = useId();
  const [comment, setComment] = useState("");
  const [pending, start] = useTransition();
  const toast = useToast();

  const decide = (decision: "approve" | "deny") =>
    start(async () => {
      const r = await decideApprovalAction(task.id, { decision, comment: comment.trim() || undefined });
      if (r.ok) {
        setComment("");
        toast({
          tone: "success",
          title: decision === "approve" ? "Approved" : "Denied",
          description: r.data.message ?? `${r.data.approval.approvals} of ${r.data.approval.requiredApprovals} approvals`,
        });
        // The run's event stream brings the new state; this is for callers that want more.
        onDecided?.();
      } else toast({ tone: "error", title: "Your decision was not recorded", description: r.error.message });
    });

  return (
    <section aria-label="Approval" className="flex h-full flex-col gap-4 overflow-y-auto p-4">
      <header className="flex flex-wrap items-center gap-2">
        <UserCheck aria-hidden className="size-4 text-muted" />
        <h2 className="text-sm font-semibold">{task.name}</h2>
        <StatusBadge status={task.status} />
        {task.message && <span className="text-xs text-muted">{task.message}</span>}
      </header>

      {a.instructions.trim() && (
        <div>
          <h3 className="mb-1 text-xs font-semibold tracking-wide text-muted uppercase">Instructions</h3>
          <p className="rounded-md border bg-surface-2 px-3 py-2 text-sm whitespace-pre-wrap">{a.instructions}</p>
        </div>
      )}

      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">Approvers</dt>
        <dd>{describeApprovers(a.approvers)}</dd>
        <dt className="text-muted">Approvals</dt>
        <dd className="tabular-nums">
          {a.approvals} of {a.requiredApprovals} needed
        </dd>
        {a.deadline && (
          <>
            <dt className="text-muted">Deadline</dt>
            <dd>
              <time dateTime={a.deadline} title={a.deadline}>
                {new Date(a.deadline).toLocaleString()}
              </time>{" "}
              <span className="text-muted">
                (then{" "}
                {a.onTimeout === "fail" ? "the run fails" : a.onTimeout === "approve" ? "it is approved" : "the rest of the run is skipped"}
                )
              </span>
            </dd>
          </>
        )}
      </dl>

      <div>
        <h3 className="mb-1 text-xs font-semibold tracking-wide text-muted uppercase">Decisions</h3>
        {a.decisions.length === 0 ? (
          <p className="text-sm text-muted">No decision yet.</p>
        ) : (
          <ul aria-label="Decisions" className="flex flex-col gap-2">
            {a.decisions.map((d) => (
              <li key={d.username} className="rounded-md border px-3 py-2 text-sm">
                <div className="flex flex-wrap items-center gap-2">
                  {d.decision === "approve" ? (
                    <Check aria-hidden className="size-4 text-st-succeeded" />
                  ) : (
                    <X aria-hidden className="size-4 text-st-failed" />
                  )}
                  <span className="font-medium">{d.username}</span>
                  <span>{d.decision === "approve" ? "approved" : "denied"}</span>
                  <RelativeTime date={d.at} className="text-xs text-muted" />
                </div>
                {d.comment && <p className="mt-1 whitespace-pre-wrap text-muted">{d.comment}</p>}
              </li>
            ))}
          </ul>
        )}
      </div>

      {mayDecide && (
        <form className="flex flex-col gap-2 border-t pt-4" onSubmit={(e) => e.preventDefault()}>
          <Label htmlFor={commentId}>Comment</Label>
          <Textarea
            id={commentId}
            value={comment}
            maxLength={2000}
            onChange={(e) => setComment(e.target.value)}
            placeholder="Why (shown with your decision)"
          />
          <div className="flex gap-2">
            <Button variant="primary" disabled={pending} onClick={() => decide("approve")}>
              <Check /> Approve
            </Button>
            <Button variant="danger" disabled={pending} onClick={() => decide("deny")}>
              <X /> Deny
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The current time, ticking while a deadline matters (so the buttons go when it passes). */
function useNow(everyMs: number | null) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!everyMs) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
