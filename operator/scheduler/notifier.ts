import type { Db } from "@/server/db/client";
import { createMailer, mailConfig, type Mailer } from "@/server/approvals/mail";
import { sendDueNotifications } from "@/server/notifications/outbox";
import type { Logger } from "pino";

/**
 * Sends queued run notifications beside the scheduler's loop: one pass at a time, never holding
 * up claims, since a slow chat service or mail server may take seconds to answer.
 */
export class Notifier {
  private inFlight: Promise<void> | null = null;
  private last = 0;
  private readonly mailer: Mailer | null;
  private readonly publicUrl: string;
  private readonly everyMs: number;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: { everyMs?: number; mailer?: Mailer | null } = {},
  ) {
    const cfg = mailConfig();
    this.mailer = opts.mailer === undefined ? createMailer(cfg) : opts.mailer;
    this.publicUrl = cfg.publicUrl;
    this.everyMs = opts.everyMs ?? 1000;
  }

  tick(now: number) {
    if (this.inFlight || now - this.last < this.everyMs) return;
    this.last = now;
    this.inFlight = sendDueNotifications(this.db, { mailer: this.mailer, publicUrl: this.publicUrl })
      .then((n) => {
        if (n) this.log.debug({ n }, "notifications sent");
      })
      .catch((e: unknown) => this.log.warn({ err: (e as Error).message }, "sending notifications failed; will retry"))
      .finally(() => {
        this.inFlight = null;
      });
  }

  /** Waits for a pass in progress (on shutdown). */
  async drain() {
    await this.inFlight;
  }
}
