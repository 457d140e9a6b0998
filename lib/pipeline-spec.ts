import { z } from "zod";
import { FORGES, TriggerSpecSchema } from "./triggers";
import { NotificationSpecSchema } from "./notifications";
import { DEFAULT_PIPELINE_FILE, paramRefs, repositoryFilePath, RepositorySpecSchema, revisionProblem } from "./repository";
import { conditionProblem } from "./expressions/condition";
import { refsOf } from "./expressions/template";

/** The longest a task may run: a week. */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** Pipeline-as-code: the one schema behind the REST API, the YAML editor and the designer. */

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = z
  .string({ error: (i) => (i.input === undefined ? "required" : "must be a string") })
  .min(1, "required")
  .max(63, "must be at most 63 characters")
  .regex(DNS1123_LABEL, "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit");

export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const paramName = z
  .string({ error: (i) => (i.input === undefined ? "required" : "must be a string") })
  .regex(ENV_NAME, "must match [A-Z_][A-Z0-9_]* (upper case, digits, '_')");

const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names are letters, digits and '_'"),
  z.union([z.string(), z.number(), z.boolean()]).transform(String),
);

export const ParamSpecSchema = z.strictObject({
  name: paramName,
  description: z.string().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
  secret: z.boolean().default(false),
  required: z.boolean().default(false),
});

/** Kubernetes resource.Quantity ("500m", "1Gi"); a YAML number (`cpu: 1`) is read as its text. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const quantity = z
  .union([z.string().regex(QUANTITY, "must be a Kubernetes quantity like 500m or 1Gi"), z.number().nonnegative()])
  .transform(String);
const resourceList = z.record(z.string().min(1), quantity);

/** Requests and limits of a container (Kubernetes executor only). */
export const ResourcesSpecSchema = z.object({
  requests: resourceList.optional(),
  limits: resourceList.optional(),
});

const objectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes object name: lower-case letters, digits, '-' and '.'");

/** A ConfigMap or Secret of the project's namespace whose keys become the task's env. */
const EnvFromSpecSchema = z
  .strictObject({
    configMap: objectName.optional(),
    secret: objectName
      .refine(
        (n) => !n.startsWith("gantry-"),
        "Secrets named gantry-… are Gantry's own (a run's params): list project secrets under `secrets` instead",
      )
      .optional(),
    prefix: z.string().regex(ENV_NAME, "must match [A-Z_][A-Z0-9_]*").optional(),
    optional: z.boolean().optional(),
  })
  .refine((e) => (e.configMap === undefined) !== (e.secret === undefined), "name either a configMap or a secret");

/**
 * What only the Kubernetes executor does with a task: its container's resources (over the
 * template's defaults), env from ConfigMaps and Secrets of the project's namespace, or a whole
 * batch/v1 JobSpec used as is (still labelled and owned by its BuildJob).
 */
export const TaskKubernetesSpecSchema = z.strictObject({
  resources: ResourcesSpecSchema.optional(),
  envFrom: z.array(EnvFromSpecSchema).max(20, "at most 20 sources").optional(),
  jobSpec: z
    .record(z.string(), z.unknown())
    .refine((js) => {
      const spec = (js.template as { spec?: { containers?: unknown } } | undefined)?.spec;
      return Array.isArray(spec?.containers) && spec.containers.length > 0;
    }, "a JobSpec needs template.spec.containers")
    .optional(),
});
export type TaskKubernetesSpec = z.output<typeof TaskKubernetesSpecSchema>;

/** A value a task hands to later tasks: it writes `$GANTRY_RESULTS/NAME` (lib/expressions). */
export const RESULT_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const ResultSpecSchema = z.strictObject({
  name: z.string().regex(RESULT_NAME, "must be lower case letters, digits, '-' and '_', starting with a letter (at most 63)"),
  description: z.string().max(500).optional(),
});
export type ResultSpec = z.output<typeof ResultSpecSchema>;

const resultList = z
  .array(ResultSpecSchema)
  .max(20, "at most 20 results")
  .superRefine((rs, ctx) => {
    const seen = new Set<string>();
    rs.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `result '${r.name}' is declared twice` });
      seen.add(r.name);
    });
  });

/**
 * A report path relative to the workspace, expanded as sh expands it in the Kubernetes task
 * wrapper: `*`, `?` and `[…]` within one directory level (`reports/*.xml`,
 * `target/surefire-reports/TEST-*.xml`); no `**`, no spaces, nothing outside the workspace.
 */
export const REPORT_GLOB = /^[A-Za-z0-9._/*?[\]!@+=,-]+$/;
const reportGlob = z
  .string({ error: "must be a path (glob) relative to the workspace" })
  .min(1, "required")
  .max(255, "at most 255 characters")
  .superRefine((g, ctx) => {
    const problem = g.startsWith("/")
      ? "must be relative to the workspace, not absolute"
      : g.split("/").some((s) => s === "..")
        ? "must stay inside the workspace ('..' is not allowed)"
        : g.includes("**")
          ? "'**' is not supported: name each directory level (reports/*.xml, */target/surefire-reports/*.xml)"
          : !REPORT_GLOB.test(g)
            ? "letters, digits, '.', '_', '-', '/' and the glob characters * ? [ ] only (no spaces)"
            : null;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Test reports a task leaves in the workspace, parsed when it ends (server/reports). */
export const ReportsSpecSchema = z.strictObject({
  junit: z.union([reportGlob, z.array(reportGlob).min(1, "name at least one path").max(10, "at most 10 paths")]),
});
export type ReportsSpec = z.output<typeof ReportsSpecSchema>;

/** The globs of a task's JUnit reports, as a list. */
export const junitGlobs = (r: ReportsSpec | undefined): string[] => (r ? (typeof r.junit === "string" ? [r.junit] : [...r.junit]) : []);

/** A CEL condition (lib/expressions/condition.ts); false skips the task (or every task of the stage). */
const condition = z
  .string()
  .max(2000, "at most 2000 characters")
  .superRefine((expr, ctx) => {
    const problem = conditionProblem(expr);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Limits of a task's `matrix`: few axes and combinations, and task run names that fit their column. */
export const MATRIX_MAX_AXES = 3;
export const MATRIX_MAX_COMBINATIONS = 64;
export const MATRIX_MAX_NAME = 255;

/** `{NODE: [18, 20], OS: [linux]}`: each value is text, as an environment variable holds it. */
const matrixSpec = z
  .record(
    paramName,
    z
      .array(
        z
          .union([z.string(), z.number(), z.boolean()], { error: "values are strings, numbers or booleans" })
          .transform(String)
          .refine((v) => v.length > 0 && v.length <= 64, "a value is 1 to 64 characters"),
      )
      .min(1, "an axis needs at least one value"),
  )
  .superRefine((m, ctx) => {
    const axes = Object.entries(m);
    if (axes.length === 0) ctx.addIssue({ code: "custom", message: "a matrix needs at least one axis" });
    if (axes.length > MATRIX_MAX_AXES)
      ctx.addIssue({ code: "custom", message: `at most ${MATRIX_MAX_AXES} axes (this one has ${axes.length})` });
    const combinations = axes.reduce((n, [, vs]) => n * vs.length, 1);
    if (combinations > MATRIX_MAX_COMBINATIONS)
      ctx.addIssue({ code: "custom", message: `at most ${MATRIX_MAX_COMBINATIONS} combinations (this one makes ${combinations})` });
    for (const [name, vs] of axes) {
      const seen = new Set<string>();
      vs.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: "custom", path: [name, i], message: `value '${v}' is listed twice` });
        seen.add(v);
      });
    }
  });

export const RetrySpecSchema = z.strictObject(
  { onFlaky: z.number().int().min(0).max(5, "at most 5 retries of a flaky task") },
  { error: (i) => (i.code === "invalid_type" ? "an object such as { onFlaky: 2 } (a plain number of retries is `retries`)" : undefined) },
);

export const TaskSpecSchema = z.strictObject({
  name: dnsLabel,
  template: z.string({ error: (i) => (i.input === undefined ? "required" : "must be a string") }).min(1, "required"),
  params: z.record(z.string(), z.unknown()).default({}),
  env: envMap.default({}),
  /** Seconds, or a reference known when the run is created (`{{ params.TIMEOUT }}`), checked then. */
  timeoutSeconds: z
    .union([
      z.number().int().positive().max(MAX_TIMEOUT_SECONDS),
      z.string().refine((s) => refsOf(s).length > 0, "a whole number of seconds, or a reference such as {{ params.TIMEOUT }}"),
    ])
    .optional(),
  retries: z.number().int().min(0).max(10).default(0),
  /** `onFlaky: N`: a failure of a task known to be flaky (docs/triage.md) is tried again up to N times. */
  retry: RetrySpecSchema.optional(),
  /**
   * Project secrets the task gets as environment variables of the same name (README.md, "Pipeline spec").
   * Names only: values are resolved when the task starts and never appear in the spec or plan.
   */
  secrets: z
    .array(paramName)
    .max(100, "at most 100 secrets per task")
    .optional()
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      (names ?? []).forEach((n, i) => {
        if (seen.has(n)) ctx.addIssue({ code: "custom", path: [i], message: `secret '${n}' is listed twice` });
        seen.add(n);
      });
    }),
  /** Kubernetes executor only: resources, envFrom, or a raw JobSpec. */
  kubernetes: TaskKubernetesSpecSchema.optional(),
  /** Results the task writes besides its template's (`$GANTRY_RESULTS/NAME`), for later tasks. */
  results: resultList.optional(),
  /** Test reports the task writes into the workspace (`reports: {junit: "reports/*.xml"}`), shown on the run page. */
  reports: ReportsSpecSchema.optional(),
  /** Runs the task only when this CEL condition holds when it is due; otherwise it is skipped. */
  when: condition.optional(),
  /** Fans the task out into one task run per combination of these values (lib/matrix.ts). */
  matrix: matrixSpec.optional(),
  /** With a matrix: when one combination fails, the others still queued are skipped and the running ones cancelled (default true). */
  failFast: z.boolean().optional(),
});

export const StageSpecSchema = z.strictObject({
  name: dnsLabel,
  mode: z.enum(["sequential", "parallel"]).default("sequential"),
  /** A CEL condition for every task of the stage, checked as each becomes due. */
  when: condition.optional(),
  tasks: z.array(TaskSpecSchema).min(1, "a stage needs at least one task"),
});

/**
 * How many runs of the pipeline may be active at once (`max`; the rest wait queued, oldest first)
 * and what a new run does to an older one of the same `ref` (branch or tag): wait for it to end
 * (`queue`) or have it cancelled (`cancel-previous`). Enforced when the operator starts a run.
 */
export const ConcurrencySpecSchema = z.strictObject({
  max: z.number().int().min(1, "must be at least 1").max(1000).optional(),
  sameRef: z.enum(["queue", "cancel-previous"]).optional(),
});
export type ConcurrencySpec = z.output<typeof ConcurrencySpecSchema>;

/**
 * A run's place in its project's queue when capacity is short: an integer from -100 to 100,
 * higher first, 0 by default (Buildkite's job priority). Projects share capacity fairly first
 * (docs/operations.md, "Scheduling"), so a priority orders a project's own runs only.
 */
export const RUN_PRIORITY = { min: -100, max: 100, default: 0 } as const;
export const RunPrioritySchema = z
  .number({ error: "must be a whole number from -100 to 100" })
  .int("must be a whole number from -100 to 100")
  .min(RUN_PRIORITY.min, "must be at least -100")
  .max(RUN_PRIORITY.max, "must be at most 100");

/**
 * How long finished runs of the pipeline are kept (server/runs/retention.ts, docs/operations.md):
 * the newest `keep` finished runs, and none older than `days` (which replaces
 * GANTRY_RUN_RETENTION_DAYS for this pipeline; 0: never by age). A run is pruned when either rule
 * says so, as Jenkins' "discard old builds" does; active runs and the pipeline's newest
 * succeeded run are always kept.
 */
export const RetentionSpecSchema = z
  .strictObject({
    keep: z
      .number({ error: "must be a whole number of runs" })
      .int("must be a whole number of runs")
      .min(1, "must be at least 1 (leave `keep` out to keep any number)")
      .max(100_000, "must be at most 100000")
      .optional()
      .meta({ description: "The newest finished runs kept; older ones are pruned" }),
    days: z
      .number({ error: "must be a whole number of days" })
      .int("must be a whole number of days")
      .min(0, "must be 0 (never by age) or more")
      .max(36_500, "must be at most 36500")
      .optional()
      .meta({ description: "Days a finished run is kept (replaces GANTRY_RUN_RETENTION_DAYS here; 0: never pruned by age)" }),
  })
  .refine((r) => r.keep !== undefined || r.days !== undefined, "say `keep` (runs), `days`, or both")
  .meta({ description: "Which finished runs (with their logs and artifacts) are kept" });
export type RetentionSpec = z.output<typeof RetentionSpecSchema>;

export const FINALLY_MAX_TASKS = 20;

/**
 * Pipeline as code (docs/repository.md): the stages, params and the rest come from a file of the
 * pipeline's `repository`, read at each event's commit (server/pipelines/pipeline-file.ts).
 */
export const PipelineSourceSchema = z
  .strictObject({
    from: z.literal("repository", { error: "must be 'repository' (the only source besides Gantry's own database)" }),
    path: repositoryFilePath.default(DEFAULT_PIPELINE_FILE).meta({ description: `The pipeline file (default ${DEFAULT_PIPELINE_FILE})` }),
    /** The designer proposes its changes as a pull request (server/pipelines/propose-change.ts) with this project secret's token. */
    token: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "a secret name: upper-case letters, digits and '_'")
      .optional()
      .meta({ description: "Project secret with a forge API token: the designer saves by opening a pull request" }),
    /** Which forge's API the repository is on, when neither a trigger's provider nor the host (github.com, gitlab.com) says. */
    forge: z.enum(FORGES).optional(),
    /** The forge's API base URL when it is not derived from the repository URL. */
    apiUrl: z
      .url({ protocol: /^https?$/, error: "an http(s) URL" })
      .max(500)
      .optional(),
  })
  .meta({ description: "Read the pipeline from a file of its repository at each event's commit" });
export type PipelineSource = z.output<typeof PipelineSourceSchema>;

export const PipelineSpecSchema = z
  .strictObject({
    name: dnsLabel,
    description: z.string().max(2000).optional(),
    params: z.array(ParamSpecSchema).default([]),
    concurrency: ConcurrencySpecSchema.optional(),
    /** Its runs' priority in the project's queue (-100..100, higher first; default 0); a start request may override it. */
    priority: RunPrioritySchema.optional().meta({
      description: "Runs' priority within the project's queue: -100..100, higher first, default 0",
    }),
    /** Which finished runs are kept: `{keep: 50}`, `{days: 90}` or both (RetentionSpecSchema). */
    retention: RetentionSpecSchema.optional(),
    /** Every task's `retry` unless it sets its own: `{onFlaky: N}` tries a flaky task's failure again. */
    retry: RetrySpecSchema.optional(),
    /** Cloned into the run's workspace before each task starts (lib/repository.ts). */
    repository: RepositorySpecSchema.optional(),
    /** Webhook triggers (lib/triggers.ts): provider, secret, filters. */
    triggers: z.array(TriggerSpecSchema).max(20, "at most 20 triggers").optional(),
    /** Who hears about the run's end or wait (lib/notifications.ts). */
    notifications: z.array(NotificationSpecSchema).max(20, "at most 20 notifications").optional(),
    /** `{from: repository, path: .gantry.yaml}`: the pipeline is kept in its repository; its stages may be left empty here. */
    source: PipelineSourceSchema.optional(),
    /** At least one, unless the pipeline comes from its repository (`source`). */
    stages: z.array(StageSpecSchema, { error: (i) => (i.input === undefined ? "required" : "must be a list of stages") }),
    /** Tasks that run side by side after all stages, whatever the stages came to (cleanup, notify). */
    finally: z.array(TaskSpecSchema).max(FINALLY_MAX_TASKS, `at most ${FINALLY_MAX_TASKS} finally tasks`).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.stages.length === 0 && !spec.source)
      ctx.addIssue({ code: "custom", path: ["stages"], message: "a pipeline needs at least one stage" });
    if (spec.source && !spec.repository)
      ctx.addIssue({ code: "custom", path: ["source"], message: "a pipeline read from its repository needs `repository` (its url)" });
    const dup = (names: string[], path: (i: number) => (string | number)[], what: string) => {
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (seen.has(n)) ctx.addIssue({ code: "custom", path: path(i), message: `duplicate ${what} name '${n}'` });
        seen.add(n);
      });
    };
    dup(
      spec.params.map((p) => p.name),
      (i) => ["params", i, "name"],
      "param",
    );
    // The revision is written into every BuildJob: only a declared, non-secret param may fill it.
    for (const name of paramRefs(spec.repository?.revision ?? "")) {
      const p = spec.params.find((x) => x.name === name);
      if (!p)
        ctx.addIssue({
          code: "custom",
          path: ["repository", "revision"],
          message: `unknown param '${name}' (declared: ${spec.params.map((x) => x.name).join(", ") || "none"})`,
        });
      else if (p.secret)
        ctx.addIssue({
          code: "custom",
          path: ["repository", "revision"],
          message: `param '${name}' is secret and cannot be part of the revision`,
        });
      else if (p.default && revisionProblem(p.default)) {
        ctx.addIssue({
          code: "custom",
          path: ["params", spec.params.indexOf(p), "default"],
          message: `used in repository.revision: ${revisionProblem(p.default)}`,
        });
      }
    }
    dup(
      spec.stages.map((s) => s.name),
      (i) => ["stages", i, "name"],
      "stage",
    );
    const tasks = specTasks(spec);
    dup(
      tasks.map((t) => t.task.name),
      (i) => [...tasks[i].path, "name"],
      "task",
    );
    for (const { task: t, path } of tasks) {
      // A secret and an env entry of the same name would leave it unclear which one the task sees.
      (t.secrets ?? []).forEach((n, i) => {
        if (n in t.env)
          ctx.addIssue({ code: "custom", path: [...path, "secrets", i], message: `'${n}' is also set in env; drop one of them` });
      });
      // A matrix value reaches the task as an environment variable of the axis' name.
      for (const axis of Object.keys(t.matrix ?? {})) {
        if (axis in t.env)
          ctx.addIssue({
            code: "custom",
            path: [...path, "env", axis],
            message: `'${axis}' is a matrix axis of this task; drop one of them`,
          });
        if (t.secrets?.includes(axis))
          ctx.addIssue({ code: "custom", path: [...path, "matrix", axis], message: `'${axis}' is also one of the task's secrets` });
      }
      if (t.failFast !== undefined && !t.matrix)
        ctx.addIssue({ code: "custom", path: [...path, "failFast"], message: "failFast applies only to a task with a matrix" });
      const longest = t.matrix && matrixTaskName(t.name, Object.fromEntries(Object.entries(t.matrix).map(([k, vs]) => [k, longestOf(vs)])));
      if (longest && longest.length > MATRIX_MAX_NAME)
        ctx.addIssue({
          code: "custom",
          path: [...path, "matrix"],
          message: `the task run names would be up to ${longest.length} characters (at most ${MATRIX_MAX_NAME}): use shorter values`,
        });
    }
  });

const longestOf = (vs: string[]) => vs.reduce((a, b) => (b.length > a.length ? b : a), "");

/** `build (NODE=20, OS=linux)`: the name of one combination's task run. */
export function matrixTaskName(task: string, values: Record<string, string>): string {
  return `${task} (${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")})`;
}

/**
 * Every task of a spec with its place: the stages' tasks, then the `finally` tasks. `at` is the
 * path as field errors spell it (`stages[0].tasks[1]`, `finally[0]`).
 */
export function specTasks(spec: Pick<PipelineSpec, "stages" | "finally">): {
  task: TaskSpec;
  stage: StageSpec | null;
  path: (string | number)[];
  at: string;
}[] {
  return [
    ...spec.stages.flatMap((stage, si) =>
      stage.tasks.map((task, ti) => ({ task, stage, path: ["stages", si, "tasks", ti], at: `stages[${si}].tasks[${ti}]` })),
    ),
    ...(spec.finally ?? []).map((task, i) => ({ task, stage: null, path: ["finally", i], at: `finally[${i}]` })),
  ];
}

export type PipelineSpec = z.output<typeof PipelineSpecSchema>;
export type PipelineSpecInput = z.input<typeof PipelineSpecSchema>;
export type TaskSpec = z.output<typeof TaskSpecSchema>;
export type StageSpec = z.output<typeof StageSpecSchema>;

/** `stages[0].tasks[1].params.script` from a path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

export interface FieldError {
  path: string;
  message: string;
  line?: number;
}

export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): FieldError[] {
  return issues.map((i) => {
    let message = i.message;
    if (i.code === "unrecognized_keys") message = `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `'${k}'`).join(", ")}`;
    return { path: formatPath([...prefix, ...i.path]), message };
  });
}
