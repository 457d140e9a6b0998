import type { Logger } from "pino";
import { gateDeadline, type GatePlan } from "@/lib/approvals";
import type { Db } from "@/server/db/client";
import { audit, SYSTEM_ACTOR } from "@/server/audit/audit";
import { createMailer, mailConfig, type MailConfig, type Mailer } from "@/server/approvals/mail";
import { approvalMail, claimNotification, gateRecipients, listWaitingGates, type WaitingGate } from "@/server/approvals/notify";
import { sleep } from "./backoff";

export interface GateWatcherOptions {
  /** How often waiting gates are looked at (deadlines, new gates to notify). */
  everyMs?: number;
  mail?: MailConfig;
  mailer?: Mailer | null;
  /** Delays between sending attempts; one attempt more than entries. */
  retryDelaysMs?: number[];
}

/**
 * The operator's side of manual-approval gates. Gates are decided by the run state machine
 * (server/runs/state.ts) from stored rows; this watcher makes sure that happens on time — a gate
 * whose deadline passed is handed back to the scheduler to advance its run, also after a restart,
 * since the deadline comes from the stored start time — and emails each new gate's approvers
 * once. Mail problems are logged and retried a few times; they never touch the run.
 */
export class GateWatcher {
  private lastCheck = 0;
  private readonly everyMs: number;
  private readonly mail: MailConfig;
  private readonly mailer: Mailer | null;
  private readonly retryDelaysMs: number[];
  private sending = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: GateWatcherOptions = {},
  ) {
    this.everyMs = opts.everyMs ?? 1000;
    this.mail = opts.mail ?? mailConfig();
    this.mailer = opts.mailer === undefined ? createMailer(this.mail) : opts.mailer;
    this.retryDelaysMs = opts.retryDelaysMs ?? [2_000, 10_000, 30_000];
  }

  /** Run ids with a gate past its deadline: the scheduler advances them now. */
  async tick(now = Date.now()): Promise<string[]> {
    if (now - this.lastCheck < this.everyMs) return [];
    this.lastCheck = now;
    const due: string[] = [];
    for (const g of await listWaitingGates(this.db)) {
      const gate = g.tr.plan.gate;
      if (!gate) continue; // listWaitingGates returns only task runs that are gates
      const deadline = gateDeadline(gate, g.tr.startedAt);
      if (deadline && deadline.getTime() <= now) due.push(g.tr.runId);
      else if (g.tr.executorRef === null && (await claimNotification(this.db, g.tr.id))) this.track(this.notify(g, gate));
    }
    return due;
  }

  /** Waits for mails being sent (for a clean shutdown). */
  async idle() {
    while (this.sending.size) await Promise.all([...this.sending]);
  }

  private track(p: Promise<void>) {
    this.sending.add(p);
    void p.finally(() => this.sending.delete(p));
  }

  private async notify(g: WaitingGate, gate: GatePlan) {
    const at = { taskRunId: g.tr.id, runId: g.tr.runId, pipeline: g.pipelineName, run: g.runNumber, task: g.tr.name };
    try {
      const to = await gateRecipients(this.db, g.projectId, gate.approvers);
      const mailer = this.mailer;
      if (!mailer) {
        this.log.info(
          { ...at, approvers: to.map((r) => r.username) },
          "approval gate waiting; no SMTP server configured (GANTRY_SMTP_URL), so no email was sent",
        );
        return;
      }
      if (to.length === 0) {
        this.log.warn({ ...at, approvers: gate.approvers }, "approval gate waiting; none of its approvers has an email address");
        return;
      }
      const sent: string[] = [];
      const failed: string[] = [];
      for (const r of to) {
        const mail = approvalMail(
          {
            gate,
            taskRunId: g.tr.id,
            taskName: g.tr.name,
            startedAt: g.tr.startedAt,
            runId: g.tr.runId,
            runNumber: g.runNumber,
            pipelineName: g.pipelineName,
          },
          r.email,
          this.mail.publicUrl,
        );
        if (await this.sendWithRetries(mailer, mail, { ...at, to: r.username })) sent.push(r.username);
        else failed.push(r.username);
      }
      this.log.info({ ...at, sent, failed }, "approval requested by email");
      await audit(this.db, SYSTEM_ACTOR, {
        action: "approval.notify",
        targetType: "task_run",
        targetId: g.tr.id,
        targetName: `${g.pipelineName} #${g.runNumber} ${g.tr.name}`,
        projectId: g.projectId,
        details: { runId: g.tr.runId, sent, failed },
      });
    } catch (e) {
      this.log.error({ ...at, err: (e as Error).message }, "could not notify the approvers of a gate");
    }
  }

  private async sendWithRetries(mailer: Mailer, mail: Parameters<Mailer["send"]>[0], at: Record<string, unknown>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await mailer.send(mail);
        return true;
      } catch (e) {
        const last = attempt >= this.retryDelaysMs.length;
        this.log.warn({ ...at, attempt: attempt + 1, err: (e as Error).message, willRetry: !last }, "sending an approval email failed");
        if (last) return false;
        await sleep(this.retryDelaysMs[attempt]);
      }
    }
  }
}
