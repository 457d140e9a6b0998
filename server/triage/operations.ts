import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { AppError } from "@/lib/errors";
import { logStore } from "../logs/select";
import { byTaskRun, defineOperation, pathId } from "../operations/define";
import { getTaskRun } from "../runs/queries";
import { compareWithLastGreen } from "./triage";

/** Failure triage (docs/triage.md): a failed task run against its last green run. */

export const compareTaskRunOp = defineOperation({
  name: "taskRun.compare",
  summary: "A failed task run against the same task in the last green run of its pipeline and ref: log diff and what changed",
  description:
    "The log diff leaves out lines that differ only in times, durations, temporary paths, hashes and numbers. `changes` lists the commits since the green run, the pipeline version diff, template versions, params, where the task ran and its image.",
  method: "GET",
  path: "/api/v1/task-runs/{id}/compare",
  tags: ["runs"],
  params: z.object({ id: pathId("task run id (from a run's stages[].tasks[].id)") }),
  output: S.ComparisonSchema,
  errors: {
    404: "No such task run, or one in a project the caller is not a member of",
    409: "The task run has not failed: only failures are compared",
  },
  authorize: { permission: "project.view", project: byTaskRun("id") },
  run: async ({ db }, i) => {
    const tr = await getTaskRun(db, i.id);
    if (tr.status !== "failed")
      throw new AppError("conflict", `task run '${i.id}' is ${tr.status}: only a failed task run is compared with its last green run`);
    const c = await compareWithLastGreen(db, logStore(db), i.id);
    return {
      ...c,
      baseline: c.baseline && { ...c.baseline, finishedAt: c.baseline.finishedAt?.toISOString() ?? null },
    };
  },
});

export const triageOperations = [compareTaskRunOp];
