import { z } from "zod";

/** The test-report API (GET /api/v1/runs/{id}/tests, GET /api/v1/pipelines/{id}/tests/history): shared by the server and the pages. */

export const TEST_STATUSES = ["failed", "error", "skipped", "passed"] as const;
export const TestStatusSchema = z.enum(TEST_STATUSES).meta({
  description: "failed (an assertion), error (the test could not run: setup, an unexpected exception), skipped, passed",
});
export type TestStatus = z.infer<typeof TestStatusSchema>;

const dateTime = () => z.string().meta({ format: "date-time", description: "UTC, ISO 8601 with milliseconds" });
const testKey = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be a test key: 64 lower-case hex digits (sha256 of classname, NUL, name)")
  .meta({ description: "the test's identity across runs: sha256 of classname + NUL + name" });

export const RunTestsQuerySchema = z.object({
  status: TestStatusSchema.optional().meta({ description: "only the cases with this status" }),
});

export const TestCaseSchema = z.object({
  key: testKey,
  suite: z.string(),
  classname: z.string(),
  name: z.string(),
  status: TestStatusSchema,
  durationMs: z.number().int().nullable(),
  failure: z.string().nullable().meta({ description: "the failure's message and text (truncated), for failed and errored tests" }),
  task: z.string().nullable().meta({ description: "the task run whose report listed the case" }),
});
export type TestCase = z.infer<typeof TestCaseSchema>;

export const TestCountsSchema = z.object({
  total: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  error: z.number().int(),
  skipped: z.number().int(),
});
export type TestCounts = z.infer<typeof TestCountsSchema>;

export const RunTestsSchema = z.object({
  counts: TestCountsSchema.meta({ description: "over all the run's cases, whatever the filter" }),
  cases: z.array(TestCaseSchema).meta({ description: "failed and errored first, then skipped, then passed; by suite, class and name" }),
  truncated: z.boolean().meta({ description: "more cases matched than the answer lists" }),
});
export type RunTests = z.infer<typeof RunTestsSchema>;

export const TestHistoryQuerySchema = z.object({
  runs: z.coerce
    .number({ error: "runs must be a number" })
    .int("runs must be a whole number")
    .min(1, "runs must be at least 1")
    .max(100, "runs must be at most 100")
    .default(20)
    .meta({ description: "how many of the pipeline's latest runs with test reports to look at (1–100, default 20)" }),
  key: testKey.optional().meta({ description: "one test's history; by default the tests that failed in those runs" }),
});

export const TestHistorySchema = z.object({
  runs: z
    .array(z.object({ id: z.string(), number: z.number().int(), createdAt: dateTime() }))
    .meta({ description: "the runs looked at, oldest first" }),
  tests: z
    .array(
      z.object({
        key: testKey,
        suite: z.string(),
        classname: z.string(),
        name: z.string(),
        failures: z.number().int().meta({ description: "runs among those in which it failed or errored" }),
        statuses: z
          .array(TestStatusSchema.nullable())
          .meta({ description: "its status in each run of `runs`, in that order; null where the run's reports did not list it" }),
        lastFailure: z.string().nullable().meta({ description: "the failure text of its latest failure" }),
      }),
    )
    .meta({ description: "the tests that failed in those runs (or the one asked for), most failures first" }),
});
export type TestHistory = z.infer<typeof TestHistorySchema>;
