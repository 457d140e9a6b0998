import { z } from "zod";

/** Project roles, weakest first: each role can do everything the ones before it can. */
export const ROLES = ["viewer", "developer", "maintainer", "owner"] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

export const roleRank = (r: Role) => ROLES.indexOf(r);
export const atLeast = (have: Role, need: Role) => roleRank(have) >= roleRank(need);

const Quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/, "a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi");
const LabelMap = z.record(z.string().min(1).max(253), z.string().max(63));

/** What a project's settings may hold; the Kubernetes executor reads them (DESIGN.md: project ↔ namespace). */
export const ProjectSettingsSchema = z
  .object({
    /** Which executor runs this project's tasks; unset = the server's GANTRY_EXECUTOR. */
    executor: z.enum(["local", "kubernetes"]).optional(),
    /** Namespace of the project's BuildJobs; unset = `gantry-<slug>`. */
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS label: lower-case letters, digits and '-'")
      .max(63)
      .optional(),
    nodeSelector: LabelMap.optional(),
    tolerations: z
      .array(
        z.object({
          key: z.string().max(253).optional(),
          operator: z.enum(["Exists", "Equal"]).optional(),
          value: z.string().max(63).optional(),
          effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
        }),
      )
      .max(20)
      .optional(),
    serviceAccount: z.string().max(253).optional(),
    /** ResourceQuota `hard` limits of the namespace. */
    quota: z
      .object({ cpu: Quantity.optional(), memory: Quantity.optional(), pods: z.number().int().positive().max(100000).optional() })
      .strict()
      .optional(),
    /** LimitRange defaults for containers that set none. */
    limitRange: z
      .object({
        defaultCpu: Quantity.optional(),
        defaultMemory: Quantity.optional(),
        defaultRequestCpu: Quantity.optional(),
        defaultRequestMemory: Quantity.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;

export const ProjectSlugSchema = z
  .string()
  .min(2, "at least 2 characters")
  .max(40)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "lower-case letters, digits and '-', starting and ending with a letter or digit");

/** Fixed id of the project that holds everything created before projects existed. */
export const DEFAULT_PROJECT_ID = "00000000-0000-4000-8000-000000000001";
export const DEFAULT_PROJECT_SLUG = "default";

export const namespaceOf = (p: { slug: string; settings: ProjectSettings }) => p.settings.namespace ?? `gantry-${p.slug}`;
