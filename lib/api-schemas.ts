import { z } from "zod";
import { RunStatusSchema } from "./status";
import { PipelineSpecSchema } from "./pipeline-spec";
import { TemplateDefinitionSchema } from "./template-schema";

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

export const CreateRunBodySchema = z
  .strictObject({
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .meta({ description: "Values for the pipeline's declared params; missing ones take their defaults." }),
    version: z.number().int().min(1).optional().meta({ description: "Pipeline version to run; the current one by default." }),
  })
  ;

export const PaginationQuerySchema = z.object({
  page: positiveInt("page").default(1),
  perPage: positiveInt("perPage").max(100, "perPage must be at most 100").default(20),
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

// ---------------------------------------------------------------- responses

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(["bad_request", "unauthorized", "forbidden", "not_found", "conflict", "payload_too_large", "unsupported_media_type", "validation_failed", "unavailable", "internal"]),
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
  })
  ;

export const TemplateSchema = TemplateDefinitionSchema.extend({
  version: z.number().int(),
  builtin: z.boolean(),
  deprecated: z.boolean(),
}).meta({ description: "A catalog template; `paramsSchema` is the JSON Schema a task's params must satisfy." });

export const TemplateListSchema = z.object({ items: z.array(TemplateSchema) });

export const TemplateSavedSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  changed: z.boolean().optional().meta({ description: "false when the definition was identical to the latest version (no new version)" }),
});

export const TemplateVersionSummarySchema = z.object({ version: z.number().int(), createdAt: dateTime(), image: z.string() });
export const TemplateVersionListSchema = z.object({ items: z.array(TemplateVersionSummarySchema) });
export const TemplateVersionSchema = TemplateSchema.extend({ createdAt: dateTime().nullable() });
export const TemplateDeprecatedSchema = z.object({ name: z.string(), deprecated: z.boolean() });

const templatePins = () =>
  z
    .record(z.string(), z.number().int())
    .nullable()
    .meta({ description: "template name → the template version this pipeline version runs with (null: saved before pinning; follows the latest)" });

export const PipelineCreatedSchema = z.object({ id: z.string(), name: z.string(), version: z.number().int() });

export const PipelineSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.number().int().meta({ description: "current version" }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    lastRun: z.object({ id: z.string(), number: z.number().int(), status: RunStatusSchema, createdAt: dateTime() }).nullable(),
  })
  ;

export const PipelineListSchema = z.object({ items: z.array(PipelineSummarySchema) });

export const PipelineDetailSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.number().int().meta({ description: "current version" }),
    spec: PipelineSpecSchema,
    source: z.string().nullable().meta({ description: "the YAML text as written, when the version was saved as YAML" }),
    templates: templatePins(),
    createdAt: dateTime(),
    updatedAt: dateTime(),
  })
  ;

export const VersionSavedSchema = z.object({ version: z.number().int() });

export const VersionSummarySchema = z
  .object({ version: z.number().int(), message: z.string().nullable(), author: z.string().nullable(), createdAt: dateTime() })
  ;

export const VersionListSchema = z.object({ items: z.array(VersionSummarySchema) });

export const VersionDetailSchema = VersionSummarySchema.extend({ spec: PipelineSpecSchema, source: z.string().nullable(), templates: templatePins() });

export const RestoredSchema = z.object({ version: z.number().int().meta({ description: "the new version" }), restoredFrom: z.number().int() });

export const UpgradeResultSchema = z.object({
  version: z.number().int().meta({ description: "the new version, or the current one when nothing was outdated" }),
  upgraded: z.array(z.object({ name: z.string(), pinned: z.number().int(), latest: z.number().int() })),
});

export const RunCreatedSchema = z.object({ id: z.string(), number: z.number().int(), status: RunStatusSchema });

export const TaskRunSchema = z
  .object({
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
  })
  ;

export const StageRunSchema = z
  .object({ name: z.string(), status: RunStatusSchema, mode: z.enum(["sequential", "parallel"]), tasks: z.array(TaskRunSchema) })
  ;

export const RunSchema = z
  .object({
    id: z.string(),
    pipelineId: z.string(),
    version: z.number().int(),
    status: RunStatusSchema,
    message: z.string().nullable(),
    startedAt: dateTime().nullable(),
    finishedAt: dateTime().nullable(),
    stages: z.array(StageRunSchema),
    pipelineName: z.string(),
    number: z.number().int(),
    params: z.record(z.string(), z.string()).meta({ description: "secret params show as ***" }),
    trigger: z.string(),
    createdBy: z.string().nullable(),
    createdAt: dateTime(),
    rev: z.number().int().meta({ description: "bumped on every change of the run or its task runs; the SSE event id" }),
  })
  ;

export const RunSummarySchema = z
  .object({
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
  })
  ;

export const RunPageSchema = z
  .object({ items: z.array(RunSummarySchema), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  ;

export const CancelResultSchema = z.object({ id: z.string(), status: RunStatusSchema });

/** `data:` of one log SSE event; its `id:` is `seq`. */
export const LogLineEventSchema = z
  .object({
    seq: z.number().int().meta({ description: "1-based, contiguous per task run" }),
    ts: z.number().int().meta({ description: "epoch milliseconds" }),
    stream: z.enum(["out", "err", "sys"]).meta({ description: "stdout, stderr, or a line from Gantry itself" }),
    text: z.string(),
  })
  ;

/** `data:` of the final `event: end` of a log stream. */
export const LogEndEventSchema = z
  .object({ status: RunStatusSchema, lastSeq: z.number().int() })
  ;

/** `data:` of the final `event: end` of a run's event stream. */
export const RunEndEventSchema = z.object({ status: RunStatusSchema, rev: z.number().int() });

export const HealthSchema = z.object({ status: z.literal("ok") });
export const ReadySchema = z
  .object({ status: z.enum(["ready", "unavailable"]), reason: z.string().optional() })
  ;

export type RunJson = z.input<typeof RunSchema>;
export type RunSummaryJson = z.input<typeof RunSummarySchema>;
export type PipelineSummaryJson = z.input<typeof PipelineSummarySchema>;
export type PipelineDetailJson = z.input<typeof PipelineDetailSchema>;
export type VersionSummaryJson = z.input<typeof VersionSummarySchema>;
export type VersionDetailJson = z.input<typeof VersionDetailSchema>;
export type TemplateVersionSummaryJson = z.input<typeof TemplateVersionSummarySchema>;
export type LogLineEvent = z.infer<typeof LogLineEventSchema>;
