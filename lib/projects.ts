import { z } from "zod";

/** Project roles, weakest first: each role can do everything the ones before it can. */
export const ROLES = ["viewer", "developer", "maintainer", "owner"] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

export const roleRank = (r: Role) => ROLES.indexOf(r);
export const atLeast = (have: Role, need: Role) => roleRank(have) >= roleRank(need);

const Quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/, "a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi");
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
          tolerationSeconds: z.number().int().min(0).optional(),
        }),
      )
      .max(20)
      .optional(),
    /** Pod affinity of build pods, as in a PodSpec (nodeAffinity, podAffinity, podAntiAffinity). */
    affinity: z
      .strictObject({
        nodeAffinity: z.record(z.string(), z.unknown()).optional(),
        podAffinity: z.record(z.string(), z.unknown()).optional(),
        podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    serviceAccount: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Kubernetes object name: lower-case letters, digits, '-' and '.'")
      .optional(),
    /**
     * A service account in the project's namespace for deploy tasks (templates with
     * `needsClusterAccess`: helm-deploy, kubectl-apply); only they get its token, never the
     * operator's own credentials.
     */
    deployServiceAccount: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Kubernetes object name: lower-case letters, digits, '-' and '.'")
      .optional(),
    priorityClassName: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Kubernetes object name: lower-case letters, digits, '-' and '.'")
      .optional(),
    /** ResourceQuota `hard` limits of the namespace. */
    quota: z
      .object({ cpu: Quantity.optional(), memory: Quantity.optional(), pods: z.number().int().positive().max(100000).optional() })
      .strict()
      .optional(),
    /**
     * `privileged`: tasks whose template asks for root (`runAsRoot`, image builders such as kaniko)
     * may run as uid 0, and the project's namespace is Pod Security `baseline` instead of
     * `restricted`. Off by default; only maintainers and owners change it (`PUT …/builds`), audited.
     */
    builds: z.object({ privileged: z.boolean().optional() }).strict().optional(),
    /** Anyone may fetch the project's pipeline badges (`GET /api/v1/pipelines/{id}/badge.svg`) without signing in. */
    publicBadges: z.boolean().optional(),
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

/**
 * The namespace of a project's BuildJobs: its `namespace` setting, else `gantry-<slug>`; the
 * default project's is the operator's own (GANTRY_NAMESPACE, `home`), where BuildJobs ran before
 * projects existed.
 */
export const namespaceOf = (p: { id: string; slug: string; settings: ProjectSettings }, home = "gantry") =>
  p.settings.namespace ?? (p.id === DEFAULT_PROJECT_ID ? home : `gantry-${p.slug}`);

/** Whether the project's maintainers allow builds as root (the `builds.privileged` setting). */
export const privilegedBuilds = (settings: ProjectSettings): boolean => settings.builds?.privileged === true;

/** Where a project's tasks run: its own setting, else the server's GANTRY_EXECUTOR. */
export const executorOf = (settings: ProjectSettings, serverDefault: "local" | "kubernetes"): "local" | "kubernetes" =>
  settings.executor ?? serverDefault;

export type Toleration = NonNullable<ProjectSettings["tolerations"]>[number];
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/**
 * Tolerations as lines in the notation of `kubectl taint`: `key=value:Effect` tolerates that
 * taint, `key:Effect` any value of the key, `key` alone every effect, `*` every taint. An error
 * names the line.
 */
export function parseTolerations(text: string): { ok: true; value: Toleration[] } | { ok: false; error: string } {
  const out: Toleration[] = [];
  const lines = text.split("\n").map((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    if (line === "*") {
      out.push({ operator: "Exists" });
      continue;
    }
    const m = /^([^=:\s]+)(?:=([^:\s]*))?(?::(\S+))?$/.exec(line);
    const effect = m?.[3];
    if (!m || (effect !== undefined && !(EFFECTS as readonly string[]).includes(effect))) {
      return {
        ok: false,
        error: `line ${i + 1} ('${line}'): write key=value:Effect, key:Effect or key, where Effect is ${EFFECTS.join(", ")}`,
      };
    }
    out.push({
      key: m[1],
      ...(m[2] !== undefined ? { operator: "Equal" as const, value: m[2] } : { operator: "Exists" as const }),
      ...(effect ? { effect: effect as Toleration["effect"] } : {}),
    });
  }
  return { ok: true, value: out };
}

export function formatTolerations(ts: readonly Toleration[] | undefined): string {
  return (ts ?? [])
    .map((t) => {
      if (!t.key) return "*";
      const v = t.operator === "Exists" ? "" : `=${t.value ?? ""}`;
      return `${t.key}${v}${t.effect ? `:${t.effect}` : ""}`;
    })
    .join("\n");
}
