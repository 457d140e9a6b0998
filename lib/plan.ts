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
  /** The template's sidecars with `{{params.x}}` filled in (Kubernetes executor). */
  sidecars: z.array(TemplateSidecarSchema).optional(),
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
  /** A manual-approval gate: decided by the scheduler from approvals and the clock, never run. */
  gate: GatePlanSchema.optional(),
});
export type TaskPlan = z.infer<typeof TaskPlanSchema>;
