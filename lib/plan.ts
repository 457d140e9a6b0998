import { z } from "zod";
import { GatePlanSchema } from "./approvals";
import { TaskKubernetesSpecSchema } from "./pipeline-spec";
import { TemplateSidecarSchema } from "./template-schema";

/** A task resolved against its template: everything an executor needs, frozen at run creation. */
export const TaskPlanSchema = z.object({
  template: z.string(),
  templateVersion: z.number().int(),
  image: z.string(),
  /** argv for the Kubernetes executor (container command + args). */
  command: z.array(z.string()),
  /** argv for the local executor. */
  localCommand: z.array(z.string()).nullable(),
  env: z.record(z.string(), z.string()),
  timeoutSeconds: z.number().int().positive(),
  retries: z.number().int().min(0),
  /** More attempts when the task fails and its history says it is flaky (`retry: {onFlaky}`, docs/triage.md). */
  flakyRetries: z.number().int().min(1).optional(),
  /** The template's sidecars with `{{params.x}}` filled in (Kubernetes executor). */
  sidecars: z.array(TemplateSidecarSchema).optional(),
  /**
   * The template keeps a build cache (its `cachePath`): the executor gives the task the pipeline's
   * cache as `$GANTRY_CACHE` (a volume in Kubernetes, a directory of the operator locally).
   */
  cache: z.literal(true).optional(),
  /** Names of the project secrets the task gets as env; values are resolved by the operator at start. */
  secrets: z.array(z.string()).optional(),
  /**
   * Files the task gets, each named by an env var holding its absolute path (the trigger event as
   * $GANTRY_EVENT_PATH, the commits as $GANTRY_COMMITS_PATH). Kept outside the workspace, so a
   * clone into an empty workspace still works.
   */
  files: z.array(z.object({ env: z.string(), name: z.string().regex(/^[A-Za-z0-9._-]+$/), content: z.string() })).optional(),
  /** The task's `kubernetes` block (resources over the template's, envFrom, a raw JobSpec). */
  kubernetes: TaskKubernetesSpecSchema.optional(),
  /**
   * The run's checkout (the spec's `repository`, resolved when the run was created): cloned into
   * the workspace before the task, by the clone init container or, locally, by the same script.
   */
  source: z
    .object({
      git: z.object({
        url: z.string(),
        revision: z.string(),
        dir: z.string(),
        /** Names of the project secrets the clone uses, never their values (lib/repository.ts). */
        credentials: z
          .object({
            secret: z.string().optional(),
            username: z.string().optional(),
            sshKey: z.string().optional(),
            knownHosts: z.string().optional(),
          })
          .optional(),
      }),
    })
    .optional(),
  /**
   * The plan's strings hold `{{ … }}` references known only when the task starts (results of
   * earlier tasks, the run's id and number), in template form (lib/expressions/template.ts): the
   * operator renders them then (resolvePlan). Plans made before expressions existed lack it.
   */
  templated: z.literal(true).optional(),
  /** Env vars whose values are secrets, resolved by the operator at start and never written here. */
  secretEnv: z.record(z.string(), z.union([z.object({ secret: z.string() }), z.object({ param: z.string() })])).optional(),
  /**
   * CEL conditions (the stage's, then the task's): all must hold when the task is due, else it is
   * skipped. `context` is what the run knew when it was created (params, git, event, pipeline, project).
   */
  when: z
    .object({
      conditions: z.array(z.object({ expr: z.string(), from: z.enum(["stage", "task"]) })).min(1),
      context: z.record(z.string(), z.unknown()),
    })
    .optional(),
  /** Results the task declares (its template's and its own): `$GANTRY_RESULTS/NAME`. */
  results: z.array(z.string()).optional(),
  /** Globs (relative to the workspace) of the JUnit XML files the task writes: read when it ends (server/reports). */
  reports: z.object({ junit: z.array(z.string()).min(1) }).optional(),
  /** Results of earlier tasks the plan uses: [task, result]; each must exist when the task is due. */
  needs: z.array(z.tuple([z.string(), z.string()])).optional(),
  /** A `finally` task: it runs after all stages, whatever they came to (server/runs/state.ts). */
  finally: z.literal(true).optional(),
  /** One combination of a matrix task: the task's name, the values of this combination, and whether a failure stops the others. */
  matrix: z.object({ task: z.string(), values: z.record(z.string(), z.string()), failFast: z.boolean() }).optional(),
  /** The template asks for uid 0 (template `runAsRoot`; Kubernetes: only where the project allows privileged builds). */
  runAsRoot: z.literal(true).optional(),
  /** A manual-approval gate: decided by the scheduler from approvals and the clock, never run. */
  gate: GatePlanSchema.optional(),
  /** The template needs the project's deploy service account (locally: a short-lived kubeconfig in KUBECONFIG). */
  clusterAccess: z.literal(true).optional(),
});
export type TaskPlan = z.infer<typeof TaskPlanSchema>;
