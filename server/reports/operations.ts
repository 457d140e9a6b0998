import { z } from "zod";
import { RunTestsQuerySchema, RunTestsSchema, TestHistoryQuerySchema, TestHistorySchema } from "@/lib/test-reports";
import { byPipeline, byRun, defineOperation, pathId } from "../operations/define";
import { runTests, testHistory } from "./queries";

/** Test reports (JUnit XML a task declared with `reports`): a run's test cases, a pipeline's per-test history. */

export const runTestsOp = defineOperation({
  name: "run.tests",
  summary: "The run's test cases from its tasks' JUnit reports: counts by status and the cases, failed first",
  method: "GET",
  path: "/api/v1/runs/{id}/tests",
  tags: ["runs"],
  params: z.object({ id: pathId("run id") }),
  query: RunTestsQuerySchema,
  output: RunTestsSchema,
  errors: { 404: "No such run, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byRun("id") },
  run: ({ db }, i) => runTests(db, i.id, { status: i.status }),
});

export const testHistoryOp = defineOperation({
  name: "pipeline.testHistory",
  summary: "Per-test history: the tests that failed in the pipeline's latest runs, with their status in each",
  method: "GET",
  path: "/api/v1/pipelines/{id}/tests/history",
  tags: ["analytics"],
  params: z.object({ id: pathId("pipeline id") }),
  query: TestHistoryQuerySchema,
  output: TestHistorySchema,
  errors: { 404: "No such pipeline, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: ({ db }, i) => testHistory(db, i.id, { runs: i.runs, key: i.key }),
});

export const reportOperations = [runTestsOp, testHistoryOp];
