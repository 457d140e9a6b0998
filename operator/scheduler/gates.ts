import type { Logger } from "pino";
import { gateDeadline } from "@/lib/approvals";
import type { Db } from "@/server/db/client";
import { mailConfig } from "@/server/approvals/mail";
import { listWaitingGates, queueApprovalMails, type WaitingGate } from "@/server/approvals/notify";

export interface GateWatcherOptions {
  /** How often waiting gates are looked at (deadlines, new gates to notify). */
  everyMs?: number;
  /** Whether approvers are mailed; default: whether an SMTP server is configured. */
  mail?: boolean;
}

/**
 * The operator's side of manual-approval gates. Gates are decided by the run state machine
 * (server/runs/state.ts) from stored rows; this watcher makes sure that happens on time — a gate
 * whose deadline passed is handed back to the scheduler to advance its run, also after a restart,
 * since the deadline comes from the stored start time — and queues the mails to each new gate's
 * approvers once, in the notification outbox, which sends them with retries. Mail problems never
 * touch the run.
 */
export class GateWatcher {
  private lastCheck = 0;
  private readonly everyMs: number;
  private readonly mail: boolean;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: GateWatcherOptions = {},
  ) {
    this.everyMs = opts.everyMs ?? 1000;
    this.mail = opts.mail ?? mailConfig().transport !== null;
  }

  /** Run ids with a gate past its deadline: the scheduler advances them now. */
  async tick(now = Date.now()): Promise<string[]> {
    if (now - this.lastCheck < this.everyMs) return [];
    this.lastCheck = now;
    const due: string[] = [];
    for (const g of await listWaitingGates(this.db)) {
      const deadline = gateDeadline(g.gate, g.tr.startedAt);
      if (deadline && deadline.getTime() <= now) due.push(g.tr.runId);
      // One short transaction per new gate; mails are sent later by the outbox.
      else if (g.tr.notifiedAt === null) await this.notify(g);
    }
    return due;
  }

  private async notify(g: WaitingGate) {
    const at = { taskRunId: g.tr.id, runId: g.tr.runId, pipeline: g.pipelineName, run: g.runNumber, task: g.tr.name };
    try {
      const to = await queueApprovalMails(this.db, g, { mail: this.mail });
      if (to === null) return;
      const approvers = to.map((r) => r.username);
      if (!this.mail)
        this.log.info({ ...at, approvers }, "approval gate waiting; no SMTP server configured (GANTRY_SMTP_URL), so no email is sent");
      else if (to.length === 0)
        this.log.warn({ ...at, approvers: g.gate.approvers }, "approval gate waiting; none of its approvers has an email address");
      else this.log.info({ ...at, approvers }, "approval requested by email");
    } catch (e) {
      this.log.error({ ...at, err: (e as Error).message }, "could not queue the approval mails of a gate; will retry");
    }
  }
}
