import { and, eq } from "drizzle-orm";
import { isFinal } from "@/lib/status";
import { AppError, notFound } from "@/lib/errors";
import type { Db } from "../db/client";
import { runs, taskRuns } from "../db/schema";
import { advanceRun, bumpRev, transitionTaskRuns } from "./state";

/**
 * Requests cancellation. Queued tasks are skipped and waiting ones cancelled at once; running
 * ones are stopped by the operator that runs them, which then finishes the run as cancelled. The
 * run's `finally` tasks still run, within a grace period (lib/run-outcome.ts).
 */
export async function cancelRun(db: Db, runId: string, by?: string | null): Promise<{ id: string; status: string }> {
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for("update");
    if (!run) throw notFound("run", runId);
    if (isFinal(run.status)) throw new AppError("conflict", `run #${run.number} already ${run.status}`);
    const message = by ? `cancelled by ${by}` : "cancelled";
    // The first cancel's time stands: the grace of the run's finally tasks counts from it.
    const cancelRequestedAt = run.cancelRequestedAt ?? new Date();
    await tx.update(runs).set({ cancelRequested: true, cancelRequestedAt, message }).where(eq(runs.id, runId));
    const waiting = await tx
      .select({ id: taskRuns.id })
      .from(taskRuns)
      .where(and(eq(taskRuns.runId, runId), eq(taskRuns.status, "waiting")));
    await transitionTaskRuns(
      tx,
      runId,
      waiting.map((w) => w.id),
      "waiting",
      "cancelled",
      { message },
    );
    await bumpRev(tx, runId);
    await advanceRun(tx, { ...run, cancelRequested: true, cancelRequestedAt, message });
    const [after] = await tx.select({ status: runs.status }).from(runs).where(eq(runs.id, runId));
    return { id: runId, status: after.status };
  });
}
