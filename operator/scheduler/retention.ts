import type { Logger } from "pino";
import type { ArtifactStore } from "@/server/artifacts/store";
import type { Db } from "@/server/db/client";
import { operatorMetrics } from "@/server/metrics/operator";
import { pruneRuns, withRetentionLock, type PruneResult } from "@/server/runs/retention";

export interface RetentionJobOptions {
  db: Db;
  /** GANTRY_RUN_RETENTION_DAYS (pipelines' own `retention` apply whatever it is). */
  days: number;
  store: () => ArtifactStore;
  log: Logger;
  /** Runs deleted per pass at most (default 20,000); the next pass carries on. */
  maxRuns?: number;
}

/**
 * Run retention in the background of the scheduler (server/runs/retention.ts decides what goes):
 * a housekeeping tick starts a pass and returns, so a long pass never holds up dispatch; one
 * replica prunes at a time (a MariaDB named lock), the others skip their turn.
 */
export class RetentionJob {
  private pass: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly o: RetentionJobOptions) {}

  /** Starts a pass unless one is still going. */
  start(): void {
    if (this.pass || this.abort.signal.aborted) return;
    this.pass = this.run().finally(() => (this.pass = null));
  }

  /** Stops a pass between batches and waits for it. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.pass;
  }

  private async run() {
    const m = operatorMetrics();
    const t0 = performance.now();
    try {
      const r = await withRetentionLock(this.o.db, () =>
        pruneRuns(this.o.db, {
          store: this.o.store(),
          globalDays: this.o.days,
          maxRuns: this.o.maxRuns ?? 20_000,
          signal: this.abort.signal,
        }),
      );
      if (!r) {
        m.retentionPasses.inc({ result: "locked" });
        this.o.log.debug("run retention: another replica is pruning");
        return;
      }
      count(r);
      m.retentionPasses.inc({ result: r.capped ? "capped" : "done" });
      if (r.runs || r.capped)
        this.o.log.info(
          { ...r, ms: Math.round(performance.now() - t0), longestWriteMs: Math.round(r.longestWriteMs) },
          "run retention: pruned old runs",
        );
    } catch (e) {
      m.retentionPasses.inc({ result: "error" });
      this.o.log.warn({ err: (e as Error).message }, "run retention failed; the next pass retries");
    }
  }
}

function count(r: PruneResult) {
  const c = operatorMetrics().retentionDeleted;
  c.inc({ kind: "runs" }, r.runs);
  c.inc({ kind: "task_runs" }, r.taskRuns);
  c.inc({ kind: "log_chunks" }, r.logChunks);
  c.inc({ kind: "test_cases" }, r.testCases);
  c.inc({ kind: "artifacts" }, r.artifacts);
}
