import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { visibleProjectIds } from "../authz/authz";
import { byPipeline, defineOperation, pathId } from "../operations/define";
import { byListScope, SwitcherInput } from "../projects/list-scope";
import { loadAnalytics } from "./queries";

/** Run analytics: success rate, durations, queue time, slowest and flaky tasks over `?days=`. */

export const analyticsOp = defineOperation({
  name: "analytics.get",
  summary: "Run analytics across every pipeline the caller may see, or one project's (`?project=`)",
  method: "GET",
  path: "/api/v1/analytics",
  tags: ["analytics"],
  query: S.AnalyticsQuerySchema,
  extra: SwitcherInput,
  output: S.AnalyticsSchema,
  errors: { 404: "No such project, or one the caller is not a member of" },
  authorize: { permission: "project.view", project: byListScope },
  run: async ({ db, actor, access }, q) =>
    loadAnalytics(db, { projectIds: access ? [access.projectId] : await visibleProjectIds(db, actor) }, q.days),
});

export const pipelineAnalyticsOp = defineOperation({
  name: "pipeline.analytics",
  summary: "Run analytics of one pipeline (success rate, durations, queue time, slowest and flaky tasks)",
  method: "GET",
  path: "/api/v1/pipelines/{id}/analytics",
  tags: ["analytics"],
  params: z.object({ id: pathId("pipeline id") }),
  query: S.AnalyticsQuerySchema.omit({ project: true }),
  output: S.AnalyticsSchema,
  errors: { 404: "No such pipeline, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: ({ db }, i) => loadAnalytics(db, { pipelineId: i.id }, i.days),
});

export const analyticsOperations = [analyticsOp, pipelineAnalyticsOp];
