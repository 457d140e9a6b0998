import { firstErrorOfRun } from "../triage/triage";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, lte, ne, sql } from "drizzle-orm";
import { chatBody, detailLines, headline, targetsFor, type Channel, type NotificationMessage, type NotifyEvent } from "@/lib/notifications";
import { isFinal, type RunStatus } from "@/lib/status";
import type { Db, DbOrTx } from "../db/client";
import { notificationOutbox, pipelineVersions, pipelines, projects, runs } from "../db/schema";
import type { Mailer } from "../approvals/mail";
import { APPROVAL_EVENT, approvalMailFor } from "../approvals/notify";
import { outboundFetch } from "../net/outbound";
import { enqueueForgeReport, FORGE_CHANNEL, sendForgeReport } from "../forge/report";

/**
 * Run notifications through an outbox: `enqueueRunNotifications` runs inside the transaction
 * that changes the run's status, `sendDueNotifications` (the operator's loop) delivers them with
 * retries and backoff. A send that keeps failing ends as `failed` with its last error. Approval
 * gates' mails to their approvers come the same way (`queueApprovalMails`), and so do the commit
 * statuses and pull request comments of runs a forge started (channel `forge`, server/forge/).
 */

export const MAX_ATTEMPTS = 5;
const NO_SMTP = "no SMTP server is configured (GANTRY_SMTP_URL or GANTRY_SMTP_HOST)";

/** Queues what the pipeline's `notifications` ask for, for a run that just became `to`. */
export async function enqueueRunNotifications(db: DbOrTx, runId: string, to: RunStatus) {
  // Commit statuses follow every change of a run a forge's event started (server/forge/report.ts).
  await enqueueForgeReport(db, runId, to);
  if (!(isFinal(to) || to === "waiting")) return;
  const [row] = await db
    .select({ spec: pipelineVersions.spec, pipelineId: runs.pipelineId, ref: runs.ref, createdAt: runs.createdAt })
    .from(runs)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.pipelineId, runs.pipelineId), eq(pipelineVersions.version, runs.version)))
    .where(eq(runs.id, runId));
  const specs = row?.spec.notifications;
  if (!row || !specs?.length) return;
  const events: NotifyEvent[] = [];
  if (to === "failed") events.push("failure");
  if (to === "waiting") events.push("waiting");
  if (to === "succeeded") {
    events.push("success");
    // Fixed: the previous finished run of the same pipeline (and branch, when known) failed.
    const [prev] = await db
      .select({ status: runs.status })
      .from(runs)
      .where(
        and(
          eq(runs.pipelineId, row.pipelineId),
          ne(runs.id, runId),
          inArray(runs.status, ["succeeded", "failed"]),
          row.ref ? eq(runs.ref, row.ref) : sql`true`,
          lte(runs.createdAt, row.createdAt),
        ),
      )
      .orderBy(desc(runs.createdAt))
      .limit(1);
    if (prev?.status === "failed") events.push("fixed");
  }
  const rows = events.flatMap((event) =>
    targetsFor(specs, event).map((t) => ({ id: randomUUID(), runId, event, channel: t.channel, target: t.target })),
  );
  if (rows.length) await db.insert(notificationOutbox).values(rows);
}

export interface SendDeps {
  mailer: Mailer | null;
  publicUrl: string;
  /** Injected for tests; the SSRF-guarded client (server/net/outbound.ts) otherwise. */
  fetch?: typeof outboundFetch;
  now?: () => Date;
}

const backoffMs = (attempt: number) => Math.min(5 * 60_000, 2_000 * 2 ** (attempt - 1));

/** Claims due notifications (SKIP LOCKED: two operators never send one twice) and sends them. */
export async function sendDueNotifications(db: Db, deps: SendDeps, limit = 20): Promise<number> {
  const now = deps.now?.() ?? new Date();
  const claimed = await db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(notificationOutbox)
      .where(and(eq(notificationOutbox.status, "pending"), lte(notificationOutbox.nextAttemptAt, now)))
      .orderBy(asc(notificationOutbox.nextAttemptAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    // Pushed into the future while being sent: another operator will not pick them up meanwhile.
    await tx
      .update(notificationOutbox)
      .set({ nextAttemptAt: new Date(now.getTime() + 60_000), attempts: sql`${notificationOutbox.attempts} + 1` })
      .where(
        inArray(
          notificationOutbox.id,
          due.map((d) => d.id),
        ),
      );
    return due;
  });
  for (const n of claimed) {
    const attempt = n.attempts + 1;
    try {
      if (n.event === APPROVAL_EVENT) {
        // An approver's mail for a waiting gate (server/approvals/notify.ts).
        if (!deps.mailer) throw new Error(NO_SMTP);
        if (!n.taskRunId) throw new Error("approval notification without its gate");
        await deps.mailer.send(await approvalMailFor(db, n.taskRunId, n.target, deps.publicUrl));
      } else if (n.channel === FORGE_CHANNEL) {
        await sendForgeReport(db, n, deps);
      } else {
        const msg = await messageOf(db, n.runId, n.event as NotifyEvent, deps.publicUrl);
        await deliver(n.channel as Channel, n.target, msg, deps);
      }
      await db
        .update(notificationOutbox)
        .set({ status: "sent", sentAt: new Date(), lastError: null })
        .where(eq(notificationOutbox.id, n.id));
    } catch (e) {
      const last = attempt >= MAX_ATTEMPTS;
      await db
        .update(notificationOutbox)
        .set({
          status: last ? "failed" : "pending",
          lastError: String((e as Error).message ?? e).slice(0, 2000),
          nextAttemptAt: new Date(Date.now() + backoffMs(attempt)),
        })
        .where(eq(notificationOutbox.id, n.id));
    }
  }
  return claimed.length;
}

async function messageOf(db: DbOrTx, runId: string, event: NotifyEvent, publicUrl: string): Promise<NotificationMessage> {
  const [r] = await db
    .select({
      id: runs.id,
      number: runs.number,
      status: runs.status,
      ref: runs.ref,
      trigger: runs.trigger,
      message: runs.message,
      pipeline: pipelines.name,
      project: projects.slug,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(runs.id, runId));
  if (!r) throw new Error(`run ${runId} no longer exists`);
  return {
    event,
    pipeline: r.pipeline,
    project: r.project,
    run: {
      id: r.id,
      number: r.number,
      status: r.status,
      url: `${publicUrl}/runs/${r.id}`,
      ref: r.ref,
      trigger: r.trigger,
      message: r.message,
    },
    ...(r.status === "failed" ? { firstError: await firstErrorOfRun(db, runId) } : {}),
  };
}

async function deliver(channel: Channel, target: string, m: NotificationMessage, deps: SendDeps) {
  if (channel === "email") {
    if (!deps.mailer) throw new Error(NO_SMTP);
    await deps.mailer.send({
      to: target,
      subject: `[Gantry] ${headline(m)}`,
      text: `${headline(m)}\n\n${detailLines(m).join("\n")}\n\nProject: ${m.project}\nTrigger: ${m.run.trigger}\n\n${m.run.url}\n`,
    });
    return;
  }
  const res = await (deps.fetch ?? outboundFetch)(target, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "Gantry-Notifier" },
    body: JSON.stringify(chatBody(channel, m)),
    timeoutMs: 10_000,
  });
  if (!res.ok) throw new Error(`${channel} ${new URL(target).host} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  // DingTalk and WeCom answer 200 with an error code in the body.
  if (channel === "dingtalk" || channel === "wecom") {
    const body = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    if (body.errcode) throw new Error(`${channel} refused the message: ${body.errcode} ${body.errmsg ?? ""}`);
  }
}
