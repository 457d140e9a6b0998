import { and, count, eq } from "drizzle-orm";
import type { TemplateDefinition } from "@/lib/template-schema";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, taskRuns, templates, templateVersions } from "../db/schema";

/**
 * What the Kubernetes executor needs about a task run beyond its frozen plan: the pipeline's name
 * (labels, cache claim), whether the run has other tasks to share a workspace with, the run's
 * secret param names, and the Kubernetes part of the template version the plan was made from.
 */
export interface KubernetesTaskDetails {
  pipeline: string;
  singleTaskRun: boolean;
  secretParams: string[];
  template?: Pick<TemplateDefinition, "sidecars" | "cachePath" | "resources" | "automountServiceAccountToken">;
}

export async function kubernetesTaskDetails(db: DbOrTx, runId: string, template: { name: string; version: number }): Promise<KubernetesTaskDetails> {
  const [run] = await db
    .select({ pipeline: pipelines.name, secretNames: runs.secretNames })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
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
    ...(d ? { template: { sidecars: d.sidecars, cachePath: d.cachePath, resources: d.resources, automountServiceAccountToken: d.automountServiceAccountToken } } : {}),
  };
}
