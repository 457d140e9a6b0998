import { z } from "zod";
import { byPipeline, defineOperation, pathId } from "../operations/define";
import { badgeIsPublic, badgeStatus, badgeSvg } from "./badge";

export const BadgeQuery = z.object({
  branch: z.string().trim().min(1).max(255).optional().meta({ description: "Only runs of this branch (`main`); all runs when left out" }),
});

export const pipelineBadgeOp = defineOperation({
  name: "pipeline.badge",
  summary: "A status badge of the pipeline (SVG): passing, failing, running or unknown, from its newest run on the branch",
  description:
    "Shields-like, for a README: `![build](https://gantry.example.com/api/v1/pipelines/{id}/badge.svg?branch=main)`. " +
    "Cancelled runs are passed over. Cached for a minute when public, revalidated (ETag) otherwise.",
  method: "GET",
  path: "/api/v1/pipelines/{id}/badge.svg",
  tags: ["pipelines"],
  params: z.object({ id: pathId("pipeline id") }),
  query: BadgeQuery,
  errors: { 404: "No such pipeline, or one in a project the caller is not a member of" },
  produces: { type: "image/svg+xml", description: "The badge" },
  authorize: {
    permission: "project.view",
    project: byPipeline("id"),
    public: { when: "the pipeline's project has the `publicBadges` setting on", check: (db, i) => badgeIsPublic(db, i.id) },
  },
  run: async ({ db, access }, i) => {
    const b = await badgeStatus(db, i.id, i.branch);
    return { svg: badgeSvg(b.name, b.status), status: b.status, public: access === null };
  },
});

export const badgeOperations = [pipelineBadgeOp];
