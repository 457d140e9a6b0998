import { z } from "zod";
import { ResourcesSpecSchema, ResultSpecSchema, TaskSpecSchema } from "./pipeline-spec";

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Requests and limits of a container (Kubernetes executor only); a task may override them. */
export const TemplateResourcesSchema = ResourcesSpecSchema;
export type TemplateResources = z.output<typeof TemplateResourcesSchema>;

/**
 * A container next to the task in its pod (Kubernetes executor only): a `service` the task talks
 * to (a database for integration tests), or an `upload` hook that sees the workspace and does its
 * work in `preStop`, after the task has ended.
 */
export const TemplateSidecarSchema = z.object({
  name: z.string().max(63).regex(dns1123, "must be a DNS-1123 label (lowercase letters, digits, '-')"),
  role: z.enum(["service", "upload"]).default("service"),
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        containerPort: z.number().int().min(1).max(65535),
        protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
      }),
    )
    .optional(),
  resources: TemplateResourcesSchema.optional(),
  /** A Kubernetes probe object, passed through. */
  readinessProbe: z.record(z.string(), z.unknown()).optional(),
  startupProbe: z.record(z.string(), z.unknown()).optional(),
  /** argv run when the task has ended, before the sidecar stops. */
  preStop: z.array(z.string()).min(1).optional(),
  gracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
  runAsUser: z.number().int().min(1).optional(),
});
export type TemplateSidecar = z.output<typeof TemplateSidecarSchema>;

/**
 * A catalog template as written in `templates/*.yaml` (and, later, uploaded by users).
 * The Kubernetes-only fields below are all optional and have no defaults, so templates without
 * them keep their content hash (and their version). A template that needs Kubernetes says
 * `local: {supported: false, reason}`; the local executor already refuses it.
 */
export const TemplateDefinitionSchema = z.object({
  name: z.string().max(63).regex(dns1123, "must be a DNS-1123 label (lowercase letters, digits, '-')"),
  title: z.string().min(1).max(200),
  description: z.string().default(""),
  category: z.string().min(1).max(50),
  icon: z.string().min(1).max(50).default("box"),
  /** Container image used by the Kubernetes executor. */
  image: z.string().min(1),
  /** argv with `{{params.x}}` placeholders; each element is substituted on its own, never re-split. */
  command: z.array(z.string()).min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  /**
   * JSON Schema (draft 2020-12 subset understood by ajv) for the task's params. A property with
   * `secret: true` takes only `{{ secrets.NAME }}` (or a secret run param), and the template may
   * use it only in `env`: its value reaches the process as an environment variable, nowhere else.
   */
  paramsSchema: z.record(z.string(), z.unknown()),
  uiSchema: z.record(z.string(), z.unknown()).optional(),
  timeoutSeconds: z.number().int().positive().optional(),
  /** Results the template's command writes to `$GANTRY_RESULTS/NAME`, for later tasks. */
  results: z.array(ResultSpecSchema).max(20).optional(),
  /** A ready-to-paste task using this template (shown in the catalog, dropped by the designer). */
  example: TaskSpecSchema.optional(),
  /** Sidecars of the task's pod (Kubernetes only). */
  sidecars: z.array(TemplateSidecarSchema).optional(),
  /** Where the pipeline's cache volume is mounted (Kubernetes only), e.g. `/home/gantry/.npm`. */
  cachePath: z.string().regex(/^\/./, "must be an absolute path").optional(),
  /** Default requests and limits of the task's container; a task may override them (Kubernetes only). */
  resources: TemplateResourcesSchema.optional(),
  /**
   * The task calls the Kubernetes API (helm, kubectl): it runs with the project's
   * `deployServiceAccount` and that account's token (a pod's mounted token in Kubernetes mode, a
   * short-lived kubeconfig in local mode); every other task gets no credentials at all.
   */
  needsClusterAccess: z.boolean().optional(),
  /**
   * The task runs as uid 0 (an image builder such as kaniko). Kubernetes: only in projects whose
   * maintainers allow privileged builds (`builds.privileged`). Locally: uid 0 of the sandbox's own
   * user namespace with the file capabilities a builder needs, never the host's root.
   */
  runAsRoot: z.boolean().optional(),
  /**
   * Not a process: a gate the scheduler decides (manual approval). Image and command are ignored.
   */
  gate: z.enum(["approval"]).optional(),
  /**
   * How Gantry's own tests prove the template, when not against its real tool: `recorded` (the
   * vendor's server cannot run in the tests; its requests and answers are checked against
   * exchanges taken from the vendor's published API documentation) or `not-proven` (nothing runs
   * it for real). Shown in the catalog with the note. Absent: tested against the real tool.
   */
  verification: z.object({ status: z.enum(["recorded", "not-proven"]), note: z.string().min(1).max(600) }).optional(),
  local: z
    .object({
      supported: z.boolean(),
      /** Why not, shown at validation time when `supported` is false. */
      reason: z.string().optional(),
      /** Overrides command+args when running as a local process. */
      command: z.array(z.string()).optional(),
      /** Programs that must be on PATH, e.g. `git`. */
      requires: z.array(z.string()).default([]),
    })
    .default({ supported: true, requires: [] }),
});
export type TemplateDefinition = z.infer<typeof TemplateDefinitionSchema>;
