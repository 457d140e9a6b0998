import { and, eq, sql } from "drizzle-orm";
import { namespaceOf, privilegedBuilds, type ProjectSettings } from "@/lib/projects";
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
  template?: TemplateKubernetesPart;
  /** Where the project's BuildJobs go, and where on the cluster their pods may run. */
  namespace: string;
  project: { scheduling?: ProjectScheduling; deployServiceAccount?: string };
}

type TemplateKubernetesPart = Pick<TemplateDefinition, "sidecars" | "cachePath" | "resources" | "needsClusterAccess">;

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

/**
 * Kubernetes parts of template versions by their row id. A version's definition never changes (a
 * change makes a new version), and ids are never reused, unlike a (name, version) pair of a
 * template deleted and made again; so entries never go stale, they only make room.
 */
const templateParts = new Map<string, TemplateKubernetesPart | null>();
const TEMPLATE_CACHE_SIZE = 500;

/**
 * One round trip on the way to every BuildJob (three before): the run, its pipeline's name and
 * project (`home`, GANTRY_NAMESPACE, is the default project's namespace), its task count and the
 * id of the template version in one query; the definition itself from the cache above, read
 * only the first time a version is used.
 */
export async function kubernetesTaskDetails(
  db: DbOrTx,
  runId: string,
  template: { name: string; version: number },
  home: string,
): Promise<KubernetesTaskDetails> {
  const version = db
    .select({ id: templateVersions.id })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(and(eq(templates.name, template.name), eq(templateVersions.version, template.version)));
  const [run] = await db
    .select({
      pipeline: pipelines.name,
      secretNames: runs.secretNames,
      tasks: sql<number>`(select count(*) from ${taskRuns} where ${taskRuns.runId} = ${runs.id})`,
      templateVersionId: sql<string | null>`(${version})`,
      projectId: projects.id,
      slug: projects.slug,
      settings: projects.settings,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(runs.id, runId));
  if (!run) throw new Error(`run ${runId} not found`);
  const part = run.templateVersionId ? await templatePart(db, run.templateVersionId) : null;
  return {
    pipeline: run.pipeline,
    singleTaskRun: Number(run.tasks ?? 0) <= 1,
    secretParams: run.secretNames,
    namespace: namespaceOf({ id: run.projectId, slug: run.slug, settings: run.settings }, home),
    project: {
      scheduling: schedulingOf(run.settings),
      ...(run.settings.deployServiceAccount ? { deployServiceAccount: run.settings.deployServiceAccount } : {}),
      ...(privilegedBuilds(run.settings) ? { privilegedBuilds: true } : {}),
    },
    ...(part ? { template: part } : {}),
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

async function templatePart(db: DbOrTx, id: string): Promise<TemplateKubernetesPart | null> {
  const hit = templateParts.get(id);
  if (hit !== undefined) return hit;
  const [tv] = await db.select({ definition: templateVersions.definition }).from(templateVersions).where(eq(templateVersions.id, id));
  const d = tv?.definition;
  const part = d
    ? { sidecars: d.sidecars, cachePath: d.cachePath, resources: d.resources, needsClusterAccess: d.needsClusterAccess }
    : null;
  if (templateParts.size >= TEMPLATE_CACHE_SIZE) {
    const oldest = templateParts.keys().next();
    if (!oldest.done) templateParts.delete(oldest.value);
  }
  templateParts.set(id, part);
  return part;
}
