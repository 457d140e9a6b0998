import { and, count, eq } from "drizzle-orm";
import { namespaceOf, type ProjectSettings } from "@/lib/projects";
import type { TemplateDefinition } from "@/lib/template-schema";
import type { DbOrTx } from "../db/client";
import { pipelines, projects, runs, taskRuns, templates, templateVersions } from "../db/schema";

/**
 * What the Kubernetes executor needs about a task run beyond its frozen plan: the pipeline's name
 * (labels, cache claim), whether the run has other tasks to share a workspace with, the run's
 * secret param names, the Kubernetes part of the template version the plan was made from, and
 * the project's namespace and placement of build pods (its settings).
 */
export interface KubernetesTaskDetails {
  pipeline: string;
  singleTaskRun: boolean;
  secretParams: string[];
  template?: Pick<TemplateDefinition, "sidecars" | "cachePath" | "resources" | "automountServiceAccountToken">;
  /** Where the project's BuildJobs go, and where on the cluster their pods may run. */
  namespace: string;
  project: { scheduling?: ProjectScheduling };
}

/** The BuildJob `spec.scheduling` a project's settings ask for (none when they say nothing). */
export interface ProjectScheduling {
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  tolerations?: NonNullable<ProjectSettings["tolerations"]>;
  serviceAccountName?: string;
  priorityClassName?: string;
}

export function schedulingOf(s: ProjectSettings): ProjectScheduling | undefined {
  const out: ProjectScheduling = {
    ...(s.nodeSelector && Object.keys(s.nodeSelector).length ? { nodeSelector: { ...s.nodeSelector } } : {}),
    ...(s.affinity && Object.keys(s.affinity).length ? { affinity: structuredClone(s.affinity) } : {}),
    ...(s.tolerations?.length ? { tolerations: s.tolerations.map((t) => ({ ...t })) } : {}),
    ...(s.serviceAccount ? { serviceAccountName: s.serviceAccount } : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/** `home`: the operator's namespace (GANTRY_NAMESPACE), the default project's. */
export async function kubernetesTaskDetails(db: DbOrTx, runId: string, template: { name: string; version: number }, home: string): Promise<KubernetesTaskDetails> {
  const [run] = await db
    .select({ pipeline: pipelines.name, secretNames: runs.secretNames, projectId: projects.id, slug: projects.slug, settings: projects.settings })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(runs.id, runId));
  if (!run) throw new Error(`run ${runId} not found`);
  const [tasks] = await db.select({ n: count() }).from(taskRuns).where(eq(taskRuns.runId, runId));
  const [tv] = await db
    .select({ definition: templateVersions.definition })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(and(eq(templates.name, template.name), eq(templateVersions.version, template.version)));
  const d = tv?.definition;
  return {
    pipeline: run.pipeline,
    singleTaskRun: Number(tasks?.n ?? 0) <= 1,
    secretParams: run.secretNames,
    namespace: namespaceOf({ id: run.projectId, slug: run.slug, settings: run.settings }, home),
    project: { scheduling: schedulingOf(run.settings) },
    ...(d ? { template: { sidecars: d.sidecars, cachePath: d.cachePath, resources: d.resources, automountServiceAccountToken: d.automountServiceAccountToken } } : {}),
  };
}

/** The project a run belongs to: where its tasks run, and in which namespace. */
export async function runProject(db: DbOrTx, runId: string): Promise<{ id: string; slug: string; settings: ProjectSettings } | null> {
  const [p] = await db
    .select({ id: projects.id, slug: projects.slug, settings: projects.settings })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(runs.id, runId));
  return p ?? null;
}
