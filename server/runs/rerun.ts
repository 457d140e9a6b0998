import { randomUUID } from "node:crypto";
import { eq, max } from "drizzle-orm";
import { isFinal, type RunStatus } from "@/lib/status";
import { AppError, notFound, validationFailed } from "@/lib/errors";
import type { Db } from "../db/client";
import { pipelines, runs, taskRuns, type TaskRunRow } from "../db/schema";

export type RerunMode = "all" | "failed" | "from-stage";

/**
 * A new run of the same pipeline version with the same params (secret ones included, as stored)
 * and the same frozen task plans as `runId` (docs/reruns.md):
 * - `all`: every task runs again.
 * - `failed`: tasks that succeeded keep their result — the new task run is `succeeded` with
 *   `reusedFrom` pointing at the task run that did the work, and says so in its message; the
 *   others (failed, cancelled, skipped after a failure) run again. Approval gates are always
 *   asked again: an approval is given for one run, and `finally` tasks always run again.
 * - `from-stage`: tasks of earlier stages are `skipped` ("not run: …"), that stage and the later
 *   ones run.
 * Each re-run gets a fresh workspace: files written by reused or skipped tasks are not there.
 */
export async function rerunRun(
  db: Db,
  runId: string,
  opts: { mode: RerunMode; stage?: string; userId?: string | null },
): Promise<{ id: string; number: number; status: "queued"; rerunOf: string; pipelineId: string }> {
  const [src] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!src) throw notFound("run", runId);
  if (opts.mode !== "all" && !isFinal(src.status)) {
    throw new AppError(
      "conflict",
      `run #${src.number} is still ${src.status}: only a finished run can be re-run from its failures or a stage`,
    );
  }
  const trs = await db.select().from(taskRuns).where(eq(taskRuns.runId, runId));
  trs.sort((a, b) => a.stageIndex - b.stageIndex || a.taskIndex - b.taskIndex);

  let fromStage = 0;
  if (opts.mode === "from-stage") {
    const t = trs.find((x) => x.stageName === opts.stage);
    if (!t) {
      const names = [...new Set(trs.map((x) => x.stageName))].map((n) => `'${n}'`).join(", ");
      throw validationFailed(
        [{ path: "stage", message: `run #${src.number} has no stage '${opts.stage ?? ""}' (its stages: ${names})` }],
        "request",
      );
    }
    fromStage = t.stageIndex;
  }
  if (opts.mode === "failed" && trs.every((t) => t.status === "succeeded")) {
    throw new AppError("conflict", `nothing failed in run #${src.number}: every task succeeded (re-run it all instead)`);
  }

  const id = randomUUID();
  const rows = trs.map((t) => {
    const base = {
      id: randomUUID(),
      runId: id,
      stageIndex: t.stageIndex,
      stageName: t.stageName,
      stageMode: t.stageMode,
      taskIndex: t.taskIndex,
      name: t.name,
      plan: t.plan,
      status: "queued" as RunStatus,
    };
    if (opts.mode === "failed" && reusable(t)) {
      return {
        ...base,
        status: "succeeded" as RunStatus,
        reusedFrom: t.reusedFrom ?? t.id,
        message: `reused: succeeded in run #${src.number}${t.reusedFrom ? " (itself reused)" : ""}, not run again`,
        exitCode: t.exitCode,
        attempt: t.attempt,
        startedAt: t.startedAt,
        finishedAt: t.finishedAt,
      };
    }
    // A fork's gate stands before every stage: starting later does not get around it.
    if (opts.mode === "from-stage" && t.stageIndex < fromStage && !t.plan.gate?.fork) {
      const now = new Date();
      return { ...base, status: "skipped" as RunStatus, message: `not run: the re-run starts at stage '${opts.stage}'`, finishedAt: now };
    }
    return base;
  });

  const number = await db.transaction(async (tx) => {
    // Lock the pipeline row so run numbers are handed out one at a time (as createRun does).
    await tx.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.id, src.pipelineId)).for("update");
    const [m] = await tx
      .select({ n: max(runs.number) })
      .from(runs)
      .where(eq(runs.pipelineId, src.pipelineId));
    const n = (m?.n ?? 0) + 1;
    await tx.insert(runs).values({
      id,
      pipelineId: src.pipelineId,
      number: n,
      version: src.version,
      status: "queued",
      params: src.params,
      secretNames: src.secretNames,
      trigger: "rerun",
      // A re-run keeps its source's place in the queue.
      priority: src.priority,
      ref: src.ref,
      rerunOf: src.id,
      createdBy: opts.userId ?? null,
    });
    if (rows.length) await tx.insert(taskRuns).values(rows);
    return n;
  });
  return { id, number, status: "queued", rerunOf: src.id, pipelineId: src.pipelineId };
}

/**
 * A task whose result a `failed` re-run takes over: it succeeded, and it is not an approval gate
 * or a `finally` task (those clean up after or report on this run, so they run again).
 */
function reusable(t: TaskRunRow): boolean {
  return t.status === "succeeded" && !t.plan.gate && !t.plan.finally;
}
