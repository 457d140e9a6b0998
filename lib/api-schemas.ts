import { z } from "zod";
import { FAILURE_REASONS } from "./failure-reason";
import { RunStatusSchema } from "./status";
import { PipelineSpecSchema, RunPrioritySchema } from "./pipeline-spec";
import { TemplateDefinitionSchema } from "./template-schema";
import { ProjectSettingsSchema, ProjectSlugSchema, RoleSchema } from "./projects";

/**
 * REST API v1 contract: request schemas (parsed by the route handlers) and response schemas
 * (the shapes the handlers produce). The OpenAPI document is generated from these, so the docs
 * cannot drift from what the handlers accept and return.
 */

const dateTime = () => z.string().meta({ format: "date-time", description: "UTC, ISO 8601 with milliseconds" });
const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1`);

// ---------------------------------------------------------------- requests

export { PipelineSpecSchema, TemplateDefinitionSchema };

export const CreateRunBodySchema = z.strictObject({
  params: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .meta({ description: "Values for the pipeline's declared params; missing ones take their defaults." }),
  version: z.number().int().min(1).optional().meta({ description: "Pipeline version to run; the current one by default." }),
  ref: z.string().trim().min(1).max(255).optional().meta({
    description: "Branch or tag the run is for; the pipeline's `concurrency.sameRef` queues or cancels older runs of the same ref.",
  }),
  priority: RunPrioritySchema.optional().meta({
    description:
      "This run's priority within its project's queue (-100..100, higher first); the pipeline's `priority` (default 0) otherwise.",
  }),
});

export const PaginationQuerySchema = z.object({
  page: positiveInt("page").default(1),
  perPage: positiveInt("perPage").max(100, "perPage must be at most 100").default(20),
});

export const ProjectQuerySchema = z.object({
  project: ProjectSlugSchema.optional().meta({
    description: "Project slug; lists: only that project, creation: where to create (default `default`).",
  }),
});

export const CreateProjectBodySchema = z.strictObject({
  slug: ProjectSlugSchema.meta({ description: "URL and namespace name: lower-case letters, digits and '-'" }),
  name: z.string().trim().min(1, "name is required").max(100),
  description: z.string().max(2000).optional(),
  settings: ProjectSettingsSchema.optional(),
});

export const UpdateProjectBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().max(2000).nullable().optional(),
  settings: ProjectSettingsSchema.optional().meta({
    description: "Replaces the settings as a whole, except `builds` when left out (it has its own door: PUT …/builds).",
  }),
});

export const SetProjectBuildsBodySchema = z.strictObject({
  privileged: z
    .boolean()
    .meta({ description: "Let templates with `runAsRoot` (kaniko) run as uid 0; the namespace becomes Pod Security baseline" }),
});

export const SetMemberBodySchema = z.strictObject({ role: RoleSchema });
export const SetMemberResultSchema = z.object({ username: z.string(), role: RoleSchema });

/**
 * Largest secret value in UTF-8 bytes (a kubeconfig or a PEM bundle fits): its ciphertext (IV, tag,
 * base64) must fit the `secrets.ciphertext` TEXT column (65,535 bytes).
 */
export const MAX_SECRET_BYTES = 48_000;
export const SecretNameSchema = z
  .string()
  .max(100, "a secret name is at most 100 characters")
  .regex(
    /^[A-Z_][A-Z0-9_]*$/,
    "a secret name is an environment variable name: upper-case letters, digits and '_', not starting with a digit",
  )
  .meta({ description: "Environment variable name: `^[A-Z_][A-Z0-9_]*$`" });

export const PutSecretBodySchema = z.strictObject({
  value: z
    .string({ error: (i) => (i.input === undefined ? "value is required" : "value must be a string") })
    .min(1, "value must not be empty")
    .refine(
      (v) => new TextEncoder().encode(v).length <= MAX_SECRET_BYTES,
      `value must be at most ${MAX_SECRET_BYTES.toLocaleString("en")} bytes`,
    )
    .meta({ description: "The secret value; stored encrypted and never returned by any API or page." }),
  description: z.string().max(500).nullable().optional().meta({ description: "What it is for; kept when omitted on a replace." }),
});

export const CreateUserBodySchema = z.strictObject({
  username: z
    .string()
    .min(2)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, '.', '_' and '-'"),
  name: z.string().trim().min(1).max(200),
  email: z.email("not an email address").max(254).optional(),
  password: z.string().min(12, "passwords need at least 12 characters").max(200).optional(),
  role: z.enum(["admin", "user"]).default("user"),
});

export const UpdateUserBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email("not an email address").max(254).nullable().optional().meta({ description: "null removes it" }),
    role: z.enum(["admin", "user"]).optional(),
    disabled: z.boolean().optional().meta({ description: "true ends the user's sessions and tokens at once; false lets them back in" }),
  })
  .refine((b) => Object.keys(b).length > 0, "give at least one of name, email, role, disabled");
export type UpdateUserBody = z.infer<typeof UpdateUserBodySchema>;

export const TokenScopeSchema = z.enum(["read", "run", "admin"]);

export const CreateTokenBodySchema = z.strictObject({
  name: z.string().trim().min(1, "give the token a name").max(100),
  scope: TokenScopeSchema.meta({ description: "read < run < admin; never wider than the scope of the caller's token" }),
  expiresAt: z.iso
    .datetime({ offset: true, message: "expiresAt must be an ISO 8601 date-time" })
    .nullish()
    .meta({ description: "when the token stops working; omit or null for never" }),
});

export const AuditQuerySchema = z.object({
  actor: z.string().max(64).optional(),
  action: z.string().max(64).optional().meta({ description: "`run` matches every run.* action; `run.cancel` only that one" }),
  targetType: z.string().max(32).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().min(1).optional().meta({ description: "keyset cursor: the `next` of the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const SaveQuerySchema = z.object({
  baseVersion: positiveInt("baseVersion").optional(),
  message: z.string().max(500, "message must be at most 500 characters").optional(),
});

const flag = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1" || v === "");

export const LogQuerySchema = z.object({
  /** Only lines with a sequence number above this one (like `Last-Event-ID`). */
  after: z.coerce.number({ error: "after must be a number" }).int().min(0, "after must be at least 0").optional(),
  timestamps: flag.default(false),
  follow: flag.default(false),
});

/** GET /api/v1/logs/search */
export const LogSearchQuerySchema = z
  .object({
    q: z.string({ error: "q is required" }).trim().min(1, "q must not be empty").max(500, "q is at most 500 characters"),
    project: ProjectSlugSchema.optional().meta({ description: "only runs of this project (slug)" }),
    pipeline: z.string().max(100).optional(),
    status: RunStatusSchema.optional(),
    since: z.coerce.date({ error: "since must be a date (ISO 8601)" }).optional(),
    until: z.coerce.date({ error: "until must be a date (ISO 8601)" }).optional(),
    limit: z.coerce.number({ error: "limit must be a number" }).int().min(1).max(200).default(50),
  })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: "since must not be after until", path: ["since"] });

// ---------------------------------------------------------------- responses

export const ErrorSchema = z.object({
  error: z.object({
    code: z.enum([
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "payload_too_large",
      "unsupported_media_type",
      "validation_failed",
      "unavailable",
      "internal",
    ]),
    message: z.string(),
    details: z
      .object({
        errors: z
          .array(z.object({ path: z.string(), message: z.string(), line: z.number().int().optional() }))
          .optional()
          .meta({ description: "Field errors: path like `stages[0].tasks[0].params.script`, and the YAML line when the body was YAML." }),
      })
      .catchall(z.unknown())
      .nullable(),
  }),
});

export const TemplateSchema = TemplateDefinitionSchema.extend({
  version: z.number().int(),
  builtin: z.boolean(),
  deprecated: z.boolean(),
}).meta({ description: "A catalog template; `paramsSchema` is the JSON Schema a task's params must satisfy." });

export const TemplateListSchema = z.object({ items: z.array(TemplateSchema) });

export const TemplateSavedSchema = z.object({
  name: z.string(),
  project: z.string().optional().meta({ description: "the project the new template belongs to (creation only)" }),
  version: z.number().int(),
  changed: z.boolean().optional().meta({ description: "false when the definition was identical to the latest version (no new version)" }),
});

export const TemplateVersionSummarySchema = z.object({ version: z.number().int(), createdAt: dateTime(), image: z.string() });
export const TemplateVersionListSchema = z.object({ items: z.array(TemplateVersionSummarySchema) });
export const TemplateVersionSchema = TemplateSchema.extend({ createdAt: dateTime().nullable() });
export const TemplateDeprecatedSchema = z.object({ name: z.string(), deprecated: z.boolean() });

const templatePins = () =>
  z.record(z.string(), z.number().int()).nullable().meta({
    description: "template name → the template version this pipeline version runs with (null: saved before pinning; follows the latest)",
  });

export const PipelineCreatedSchema = z.object({ id: z.string(), name: z.string(), version: z.number().int(), project: z.string() });

const projectRef = () => z.object({ id: z.string(), slug: z.string(), name: z.string() });

export const PipelineSummarySchema = z.object({
  id: z.string(),
  project: projectRef(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int().meta({ description: "current version" }),
  createdAt: dateTime(),
  updatedAt: dateTime(),
  lastRun: z.object({ id: z.string(), number: z.number().int(), status: RunStatusSchema, createdAt: dateTime() }).nullable(),
});

export const PipelineListSchema = z.object({ items: z.array(PipelineSummarySchema) });

export const PipelineDetailSchema = z.object({
  id: z.string(),
  project: projectRef(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int().meta({ description: "current version" }),
  spec: PipelineSpecSchema,
  source: z.string().nullable().meta({ description: "the YAML text as written, when the version was saved as YAML" }),
  templates: templatePins(),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

export const VersionSavedSchema = z.object({ version: z.number().int() });

export const VersionSummarySchema = z.object({
  version: z.number().int(),
  message: z.string().nullable(),
  author: z.string().nullable().meta({ description: "who saved it, or the author of the commit it was read from" }),
  commit: z
    .object({ sha: z.string(), author: z.string(), email: z.string().optional(), url: z.string().optional() })
    .nullable()
    .optional()
    .meta({ description: "the commit a pipeline kept in its repository was read from" }),
  createdAt: dateTime(),
});

export const VersionListSchema = z.object({ items: z.array(VersionSummarySchema) });

export const VersionDetailSchema = VersionSummarySchema.extend({
  spec: PipelineSpecSchema,
  source: z.string().nullable(),
  templates: templatePins(),
});

export const ProposeChangeSchema = z.object({
  source: z
    .string()
    .min(1, "required")
    .max(1_000_000, "the design is larger than 1 MB")
    .meta({ description: "The designed pipeline as YAML" }),
  message: z.string().max(500).optional().meta({ description: "The pull request's title (and the commit's message)" }),
  base: z
    .string()
    .max(1_000_000, "the base is larger than 1 MB")
    .optional()
    .meta({ description: "The text the design started from: only changes from it are applied (default: the current version's)" }),
});

export const ProposedSchema = z.object({
  url: z.string().meta({ description: "The opened pull/merge request's page" }),
  branch: z.string().meta({ description: "The new branch holding the changed file" }),
});

export const RestoredSchema = z.object({
  version: z.number().int().meta({ description: "the new version" }),
  restoredFrom: z.number().int(),
});

export const UpgradeResultSchema = z.object({
  version: z.number().int().meta({ description: "the new version, or the current one when nothing was outdated" }),
  upgraded: z.array(z.object({ name: z.string(), pinned: z.number().int(), latest: z.number().int() })),
});

export const RunCreatedSchema = z.object({ id: z.string(), number: z.number().int(), status: RunStatusSchema });

export const ApprovalDecisionSchema = z.object({
  username: z.string(),
  decision: z.enum(["approve", "deny"]),
  comment: z.string().nullable(),
  at: dateTime(),
});

/** A manual-approval gate as a task run shows it. */
export const ApprovalSchema = z.object({
  approvers: z.array(z.string()).meta({ description: "user names and/or `role:<role>` entries (that role or above in the project)" }),
  requiredApprovals: z.number().int(),
  approvals: z.number().int().meta({ description: "approvals so far" }),
  onTimeout: z.enum(["fail", "approve", "skip"]),
  instructions: z.string(),
  deadline: dateTime().nullable().meta({ description: "when the gate times out; null before it starts waiting" }),
  decisions: z.array(ApprovalDecisionSchema).meta({ description: "oldest first" }),
  canDecide: z
    .boolean()
    .optional()
    .meta({ description: "whether the caller may decide now (GET /runs/{id} only; absent in event streams)" }),
});

export const DecideApprovalBodySchema = z.strictObject({
  decision: z.enum(["approve", "deny"]),
  comment: z.string().trim().max(2000).optional().meta({ description: "why; shown on the run with the decision" }),
});

export const ApprovalResultSchema = z.object({
  taskRunId: z.string(),
  runId: z.string(),
  status: RunStatusSchema.meta({
    description: "the gate's status after the decision (succeeded once the quorum is reached, failed on a denial)",
  }),
  message: z.string().nullable(),
  decision: ApprovalDecisionSchema,
  approval: ApprovalSchema,
});

export const PendingApprovalSchema = z.object({
  taskRunId: z.string(),
  taskName: z.string(),
  runId: z.string(),
  runNumber: z.number().int(),
  pipelineId: z.string(),
  pipelineName: z.string(),
  project: z.string(),
  startedAt: dateTime().nullable(),
  approval: ApprovalSchema,
});
export const PendingApprovalListSchema = z.object({ items: z.array(PendingApprovalSchema) });
export type ApprovalJson = z.input<typeof ApprovalSchema>;
export type ApprovalResultJson = z.input<typeof ApprovalResultSchema>;
export type PendingApprovalJson = z.input<typeof PendingApprovalSchema>;

export const FailureReasonSchema = z.enum(FAILURE_REASONS);

export const TriageSchema = z
  .object({
    firstError: z
      .object({
        line: z.number().int().meta({ description: "the line's number in the task run's log (its `seq`): link to it" }),
        text: z.string(),
        context: z.array(z.object({ line: z.number().int(), text: z.string() })),
        rule: z.string().meta({ description: "which pattern found it (server/triage/rules.json); `last-output` when none did" }),
        headline: z.string().optional().meta({ description: "the line it explains: a failed test's name, a traceback's start" }),
      })
      .nullable(),
    reason: FailureReasonSchema.nullable().meta({ description: "a Kubernetes reason, which takes precedence over the log" }),
    fingerprint: z.string().meta({ description: "the same value for the same failure in any run of the project" }),
    flaky: z.object({
      flaky: z.boolean(),
      failures: z.number().int().meta({ description: "runs in the window where the task failed on code it also passed" }),
      runs: z.number().int().meta({ description: "runs of the task looked at (the last 20)" }),
    }),
    similarRuns: z.object({
      count: z.number().int().meta({ description: "other failed task runs of the project with the same fingerprint" }),
      firstSeen: dateTime().nullable(),
      runs: z.array(
        z.object({
          runId: z.string(),
          number: z.number().int(),
          pipelineId: z.string(),
          pipelineName: z.string(),
          taskName: z.string(),
          at: dateTime(),
        }),
      ),
    }),
  })
  .meta({ description: "failed task runs only: why it failed (docs/triage.md)" });

export type TriageJson = z.input<typeof TriageSchema>;

const LogDiffLineSchema = z.object({
  op: z.enum(["same", "add", "del"]).meta({ description: "`add`: only in the failed run; `del`: only in the green one" }),
  line: z.number().int().meta({ description: "the line's number in its own run's log" }),
  text: z.string(),
});

export const ComparisonSchema = z.object({
  baseline: z
    .object({ runId: z.string(), number: z.number().int(), taskRunId: z.string(), finishedAt: dateTime().nullable() })
    .nullable()
    .meta({ description: "the same task in the last successful run of the same pipeline and ref; null when there is none" }),
  log: z
    .object({
      hunks: z.array(z.array(LogDiffLineSchema)),
      added: z.number().int(),
      removed: z.number().int(),
      truncated: z.boolean().meta({ description: "only the last 5,000 lines of each log were compared" }),
      tooDifferent: z.boolean().meta({ description: "the logs have too little in common for a line diff" }),
    })
    .nullable()
    .meta({ description: "lines compared after taking out times, durations, temporary paths, hashes and numbers" }),
  changes: z
    .object({
      commits: z.array(z.object({ sha: z.string(), message: z.string(), author: z.string(), url: z.string().optional() })),
      pipelineVersion: z
        .object({
          from: z.number().int(),
          to: z.number().int(),
          diff: z.object({
            stages: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
            tasks: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
            pipeline: z.array(z.string()),
            same: z.boolean(),
          }),
        })
        .nullable(),
      templates: z.array(z.object({ task: z.string(), from: z.string(), to: z.string() })),
      params: z.array(z.object({ name: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
      runner: z.object({ from: z.string().nullable(), to: z.string().nullable() }).nullable(),
      images: z.array(z.object({ task: z.string(), from: z.string(), to: z.string() })),
    })
    .nullable(),
});
export type ComparisonJson = z.input<typeof ComparisonSchema>;

export const TaskRunSchema = z.object({
  id: z.string().meta({ description: "task run id, for /api/v1/task-runs/{id}/logs" }),
  name: z.string(),
  status: RunStatusSchema,
  exitCode: z.number().int().nullable(),
  attempt: z.number().int().meta({ description: "1 for the first try; 0 before it started" }),
  startedAt: dateTime().nullable(),
  finishedAt: dateTime().nullable(),
  message: z.string().nullable(),
  template: z.string(),
  maxAttempts: z.number().int(),
  approval: ApprovalSchema.optional().meta({ description: "manual-approval gates only" }),
  reusedFrom: z.string().nullable().optional().meta({
    description: "re-runs: id of the earlier task run whose result this one took over (it did not run again); null otherwise",
  }),
  results: z
    .record(z.string(), z.string())
    .meta({ description: "what the task wrote to $GANTRY_RESULTS/NAME (declared results only); {} until it has ended" }),
  when: z
    .array(z.object({ expr: z.string(), from: z.enum(["stage", "task"]) }))
    .optional()
    .meta({ description: "the CEL conditions the task runs under; a task skipped by one says so in its message" }),
  matrix: z
    .object({ task: z.string(), values: z.record(z.string(), z.string()) })
    .optional()
    .meta({ description: "one combination of a matrix task: the task's name and this combination's values" }),
  triage: TriageSchema.optional(),
});

export const StageRunSchema = z.object({
  finally: z.boolean().optional().meta({ description: "true for the stage the pipeline's `finally` tasks form (always the last)" }),
  name: z.string(),
  status: RunStatusSchema,
  mode: z.enum(["sequential", "parallel"]),
  tasks: z.array(TaskRunSchema),
});

export const RunSchema = z.object({
  id: z.string(),
  pipelineId: z.string(),
  version: z.number().int(),
  status: RunStatusSchema,
  message: z.string().nullable(),
  errors: z
    .array(z.object({ path: z.string(), message: z.string(), line: z.number().int().optional() }))
    .optional()
    .meta({ description: "why the run failed before any task: the problems of its pipeline file, with their lines" }),
  startedAt: dateTime().nullable(),
  finishedAt: dateTime().nullable(),
  stages: z.array(StageRunSchema),
  pipelineName: z.string(),
  number: z.number().int(),
  params: z.record(z.string(), z.string()).meta({ description: "secret params show as ***" }),
  trigger: z.string().meta({ description: "manual, api, schedule, rerun, …" }),
  priority: RunPrioritySchema.meta({ description: "its priority within the project's queue (-100..100, higher first)" }),
  ref: z.string().nullable().optional().meta({ description: "branch or tag the run is for, if given" }),
  scheduleId: z.string().nullable().optional().meta({ description: "the schedule that started it, if any" }),
  rerunOf: z
    .object({ id: z.string(), number: z.number().int() })
    .nullable()
    .optional()
    .meta({ description: "the run this one re-runs, if any" }),
  event: z
    .object({
      provider: z.string(),
      type: z.string(),
      ref: z.string().nullable(),
      sha: z.string().nullable(),
      author: z.string().nullable(),
      image: z.string().nullable(),
      mrIid: z.number().int().nullable(),
      title: z.string().nullable(),
      commits: z.array(z.object({ sha: z.string(), message: z.string(), author: z.string(), url: z.string().optional() })),
      issueKeys: z.array(z.string()),
    })
    .nullable()
    .optional()
    .meta({
      description:
        "the webhook event that started the run: ref, commit, the commits since the last successful run of the ref and their issue keys",
    }),
  createdBy: z.string().nullable(),
  createdAt: dateTime(),
  rev: z.number().int().meta({ description: "bumped on every change of the run or its task runs; the SSE event id" }),
});

export const RunSummarySchema = z.object({
  id: z.string(),
  number: z.number().int(),
  version: z.number().int(),
  status: RunStatusSchema,
  message: z.string().nullable(),
  trigger: z.string(),
  createdBy: z.string().nullable(),
  createdAt: dateTime(),
  startedAt: dateTime().nullable(),
  finishedAt: dateTime().nullable(),
});

export const RunPageSchema = z.object({
  items: z.array(RunSummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  perPage: z.number().int(),
});

export const RerunBodySchema = z
  .strictObject({
    mode: z.enum(["all", "failed", "from-stage"]).meta({
      description:
        "all: every task again; failed: only tasks that did not succeed (succeeded ones keep their result, marked reusedFrom); from-stage: that stage and the ones after it (earlier ones are skipped)",
    }),
    stage: z.string().min(1).optional().meta({ description: "stage name; required for from-stage" }),
  })
  .superRefine((b, ctx) => {
    if (b.mode === "from-stage" && !b.stage) ctx.addIssue({ code: "custom", path: ["stage"], message: "name the stage to start from" });
  });

export const RecentRunsQuerySchema = PaginationQuerySchema.extend({
  project: ProjectSlugSchema.optional().meta({ description: "only this project's runs" }),
  pipeline: z.string().max(100).optional().meta({ description: "only this pipeline's runs (id)" }),
  status: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const parts = s.split(",").map((x) => x.trim());
      const bad = parts.filter((x) => !RunStatusSchema.safeParse(x).success);
      if (bad.length) ctx.addIssue({ code: "custom", message: `unknown status '${bad[0]}'; use ${RunStatusSchema.options.join(", ")}` });
      return parts as z.infer<typeof RunStatusSchema>[];
    })
    .meta({ description: "comma-separated statuses, e.g. `running,waiting`" }),
});

export const RecentRunPageSchema = z.object({
  items: z.array(RunSummarySchema.extend({ pipelineId: z.string(), pipelineName: z.string() })),
  total: z.number().int(),
  page: z.number().int(),
  perPage: z.number().int(),
});

export const CancelResultSchema = z.object({ id: z.string(), status: RunStatusSchema });

/** `data:` of one log SSE event; its `id:` is `seq`. */
export const LogLineEventSchema = z.object({
  seq: z.number().int().meta({ description: "1-based, contiguous per task run" }),
  ts: z.number().int().meta({ description: "epoch milliseconds" }),
  stream: z.enum(["out", "err", "sys"]).meta({ description: "stdout, stderr, or a line from Gantry itself" }),
  text: z.string(),
});

/** `data:` of the final `event: end` of a log stream. */
export const LogEndEventSchema = z.object({ status: RunStatusSchema, lastSeq: z.number().int() });

export const LogSearchHitSchema = z.object({
  taskRunId: z.string(),
  taskName: z.string(),
  runId: z.string(),
  runNumber: z.number().int(),
  runStatus: RunStatusSchema,
  pipelineId: z.string(),
  pipelineName: z.string(),
  seq: z.number().int(),
  ts: dateTime(),
  stream: z.enum(["out", "err", "sys"]),
  text: z.string().meta({ description: "the line (first 2000 characters)" }),
  highlights: z
    .array(z.tuple([z.number().int(), z.number().int()]))
    .meta({ description: "[start, end) character ranges of text that matched" }),
  url: z.string().meta({ description: "the run page with this task's log scrolled to the line (`#L<seq>`)" }),
});
export const LogSearchResultSchema = z.object({
  engine: z
    .enum(["elasticsearch", "mysql"])
    .meta({ description: "elasticsearch: full text, ranked; mysql: substring scan of recent lines, newest first" }),
  total: z.number().int(),
  totalIsExact: z.boolean().meta({ description: "false: at least `total` lines match" }),
  hits: z.array(LogSearchHitSchema),
});
export type LogSearchResultJson = z.input<typeof LogSearchResultSchema>;

/** A task run's log: where it ends, and how much of it is not in the archive yet. */
export const LogStatusSchema = z.object({
  lastSeq: z.number().int().meta({ description: "highest line written" }),
  archivedSeq: z.number().int().meta({ description: "highest line readable from the log store" }),
  behind: z.number().int().meta({ description: "lines written but not yet in the archive (buffered while it was unreachable)" }),
  engine: z.enum(["elasticsearch", "mysql"]),
});
export type LogStatusJson = z.input<typeof LogStatusSchema>;

/** `data:` of the final `event: end` of a run's event stream. */
export const RunEndEventSchema = z.object({ status: RunStatusSchema, rev: z.number().int() });

export const HealthSchema = z.object({ status: z.literal("ok") });
export const ReadySchema = z.object({ status: z.enum(["ready", "unavailable"]), reason: z.string().optional() });

export type RunJson = z.input<typeof RunSchema>;
export type RunSummaryJson = z.input<typeof RunSummarySchema>;
export type PipelineSummaryJson = z.input<typeof PipelineSummarySchema>;
export type PipelineDetailJson = z.input<typeof PipelineDetailSchema>;
export type VersionSummaryJson = z.input<typeof VersionSummarySchema>;
export type VersionDetailJson = z.input<typeof VersionDetailSchema>;
export type TemplateVersionSummaryJson = z.input<typeof TemplateVersionSummarySchema>;
export type LogLineEvent = z.infer<typeof LogLineEventSchema>;

export const ProjectSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  settings: ProjectSettingsSchema,
  namespace: z.string().meta({ description: "Kubernetes namespace of the project's BuildJobs" }),
  role: RoleSchema.meta({ description: "the caller's role (site administrators: owner)" }),
  pipelines: z.number().int(),
  members: z.number().int(),
  createdAt: dateTime(),
});
export const ProjectListSchema = z.object({ items: z.array(ProjectSchema) });
export const ProjectCreatedSchema = z.object({ id: z.string(), slug: z.string() });

export const MemberSchema = z.object({
  userId: z.string(),
  username: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: RoleSchema,
  since: dateTime(),
});
export const MemberListSchema = z.object({ items: z.array(MemberSchema) });

export const SecretSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  createdBy: z.string().nullable().meta({ description: "user name of who created it" }),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});
export const SecretListSchema = z.object({ items: z.array(SecretSchema) });

export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: z.enum(["admin", "user"]),
  disabled: z.boolean().meta({ description: "a disabled user can neither sign in nor use a token; existing sessions end at once" }),
  createdAt: dateTime(),
  lastSignInAt: dateTime().nullable().meta({ description: "last password or single sign-on sign-in; null when never" }),
  lockedUntil: dateTime().nullable().meta({
    description: "set while the user name is locked for every address (too many failed sign-ins); `POST /users/{id}/unlock` lifts it",
  }),
  delayedAddresses: z.number().int().meta({ description: "client addresses that must wait before trying this user name again" }),
});
export const UserListSchema = z.object({ items: z.array(UserSchema) });
export const UnlockResultSchema = z.object({
  user: UserSchema,
  cleared: z.number().int().meta({ description: "how many active locks and delays were lifted" }),
});

export const AuditEventSchema = z.object({
  id: z.number().int(),
  actor: z.string(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  project: z.string().nullable(),
  address: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  createdAt: dateTime(),
});
export const AuditListSchema = z.object({ items: z.array(AuditEventSchema), next: z.number().int().nullable() });

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: TokenScopeSchema,
  owner: z.string(),
  createdAt: dateTime(),
  expiresAt: dateTime().nullable(),
  lastUsedAt: dateTime().nullable().meta({ description: "updated at most once a minute" }),
  expired: z.boolean(),
});
export const ApiTokenListSchema = z.object({ items: z.array(ApiTokenSchema) });
export const ApiTokenCreatedSchema = ApiTokenSchema.extend({
  token: z.string().meta({ description: "the secret; shown only in this response" }),
});
export type ApiTokenJson = z.infer<typeof ApiTokenSchema>;

// ---------------------------------------------------------------- analytics

export const AnalyticsQuerySchema = z.object({
  days: z.coerce
    .number({ error: "days must be a number" })
    .int("days must be a whole number")
    .min(1, "days must be at least 1")
    .max(365, "days must be at most 365")
    .default(30)
    .meta({ description: "window in UTC days, today included (1–365, default 30)" }),
  project: ProjectSlugSchema.optional().meta({ description: "only this project's pipelines (GET /api/v1/analytics)" }),
});

const ms = (description: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${description}, milliseconds; null without data` });
const AnalyticsTaskSchema = z.object({
  pipelineId: z.string(),
  pipelineName: z.string(),
  stageName: z.string(),
  name: z.string(),
  runs: z.number().int().meta({ description: "finished (succeeded or failed) task runs in the window" }),
});
export const AnalyticsSchema = z.object({
  days: z.number().int(),
  from: dateTime().meta({ description: "start of the first day (UTC midnight)" }),
  to: dateTime(),
  truncated: z.boolean().meta({ description: "more than 5000 finished runs in the window: only the newest 5000 were counted" }),
  summary: z.object({
    runs: z.number().int().meta({ description: "finished runs (succeeded, failed, cancelled) created in the window" }),
    succeeded: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    successRate: z.number().nullable().meta({ description: "succeeded / (succeeded + failed), 0–1; cancelled runs are left out" }),
    durationP50: ms("run duration (start to finish), median"),
    durationP95: ms("run duration, 95th percentile"),
    queueP50: ms("queue time (created to started), median"),
    queueP95: ms("queue time, 95th percentile"),
  }),
  daily: z.array(
    z.object({
      day: z.string().meta({ description: "UTC day, YYYY-MM-DD; every day of the window, empty ones too" }),
      runs: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      successRate: z.number().nullable(),
      durationP50: ms("median run duration"),
      durationP95: ms("95th percentile run duration"),
      queueP50: ms("median queue time"),
      queueP95: ms("95th percentile queue time"),
    }),
  ),
  slowestTasks: z
    .array(AnalyticsTaskSchema.extend({ p50: z.number(), p95: z.number(), max: z.number() }))
    .meta({ description: "by median duration, slowest first (at most 10)" }),
  flakyTasks: z
    .array(
      AnalyticsTaskSchema.extend({
        failures: z.number().int(),
        flakyFailures: z
          .number()
          .int()
          .meta({ description: "failures on a pipeline version on which the task also succeeded in the window" }),
        retriedSuccesses: z.number().int().meta({ description: "successes that needed more than one attempt" }),
        flips: z.number().int().meta({ description: "pass↔fail changes between consecutive runs of the same version" }),
        flakeRate: z.number().meta({ description: "(flakyFailures + retriedSuccesses) / runs, 0–1" }),
      }),
    )
    .meta({ description: "flakiest first (at most 10); see docs/analytics.md" }),
  flakyTests: z
    .array(
      z.object({
        pipelineId: z.string(),
        pipelineName: z.string(),
        classname: z.string(),
        name: z.string(),
        flakyFailures: z.number().int().meta({ description: "failures on a version and commit on which the test also passed" }),
        commits: z.number().int().meta({ description: "(version, commit) pairs on which it both failed and passed" }),
      }),
    )
    .meta({ description: "JUnit tests that failed and passed on unchanged code in the window, flakiest first (at most 10)" }),
});
export type AnalyticsJson = z.infer<typeof AnalyticsSchema>;
export type UserJson = z.infer<typeof UserSchema>;

// ---------------------------------------------------------------- webhook deliveries

export const DeliveryOutcomeSchema = z.object({
  delivery: z.string().meta({ description: "the provider's delivery id (or ours)" }),
  result: z.enum(["accepted", "skipped", "rejected", "failed", "duplicate"]),
  message: z.string(),
  runId: z.string().nullable(),
});

export const DeliverySchema = z.object({
  id: z.string(),
  provider: z.string(),
  deliveryId: z.string(),
  event: z.string().nullable(),
  result: z.string(),
  message: z.string().nullable(),
  runId: z.string().nullable(),
  runNumber: z.number().int().nullable(),
  replayOf: z.string().nullable(),
  createdAt: dateTime(),
});
export const DeliveryListSchema = z.object({ items: z.array(DeliverySchema) });
