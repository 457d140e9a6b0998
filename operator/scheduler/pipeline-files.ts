import type { Logger } from "pino";
import type { Db } from "@/server/db/client";
import { listPendingRuns, resolvePendingRun } from "@/server/runs/pending-runs";

/** A run whose file could not be read for a reason other than the file (the database) is tried again after this long. */
const RETRY_MS = 5_000;

/**
 * The scheduler's reader of pipeline files (server/runs/pending-runs.ts): at each tick it starts
 * reading the files of waiting runs, a few at a time, without holding up the tick (a fetch may
 * take up to a minute). Nothing is kept here that the database does not also say: after a
 * restart the same runs are found waiting, claimed by this operator's id, and read again.
 */
export class PipelineFiles {
  private readonly reading = new Map<string, Promise<void>>();
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly o: {
      db: Db;
      operatorId: string;
      log: Logger;
      /** Files read at once. */
      parallel: number;
      /** A run got its task runs or failed: look for work now. */
      settled: (runId: string) => void;
    },
  ) {}

  async tick(now: number) {
    if (this.reading.size >= this.o.parallel) return;
    for (const id of await listPendingRuns(this.o.db)) {
      if (this.reading.size >= this.o.parallel) break;
      if (this.reading.has(id) || (this.retryAt.get(id) ?? 0) > now) continue;
      this.retryAt.delete(id);
      const p = this.read(id).finally(() => this.reading.delete(id));
      this.reading.set(id, p);
    }
  }

  /** Waits for the files being read now. */
  async settled() {
    await Promise.all([...this.reading.values()]);
  }

  private async read(runId: string) {
    try {
      const outcome = await resolvePendingRun(this.o.db, runId, this.o.operatorId);
      if (outcome !== "skipped") {
        this.o.log.info({ runId, outcome }, "read the run's pipeline file");
        this.o.settled(runId);
      }
    } catch (e) {
      this.retryAt.set(runId, Date.now() + RETRY_MS);
      this.o.log.warn({ runId, err: (e as Error).message }, "could not read the run's pipeline file; trying again");
    }
  }
}
