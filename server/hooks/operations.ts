import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { requirePipeline } from "../authz/authz";
import { byPipeline, defineOperation, pathId, type Locator } from "../operations/define";
import { listDeliveries, pipelineOfDelivery, receiveDelivery, replayDelivery } from "./deliver";

/** Webhook deliveries: receiving them (signed, no caller), listing and replaying them. */

/** A recorded delivery belongs to its pipeline's project. */
const byDelivery =
  <K extends string>(key: K): Locator<Record<K, string>> =>
  async (db, actor, action, i) =>
    requirePipeline(db, actor, await pipelineOfDelivery(db, i[key]), action);

export const receiveDeliveryOp = defineOperation({
  name: "hook.receive",
  summary: "Webhook receiver for `github`, `gitlab`, `registry` (Harbor, Docker registry) and `generic`",
  description:
    "No session or token: the delivery proves itself with the trigger's secret (HMAC signature or shared token). " +
    "201 a run started · 202 recorded, nothing to run · 200 a duplicate delivery · 400 malformed · " +
    "404 unknown pipeline, no such trigger or a bad signature, all alike (nothing runs; who lacks the secret learns nothing) · 413 too big.",
  method: "POST",
  path: "/api/v1/hooks/{provider}/{pipelineId}",
  tags: ["hooks"],
  params: z.object({
    provider: z.string().meta({ description: "github, gitlab, registry or generic" }),
    pipelineId: pathId("pipeline id"),
  }),
  body: z.string().meta({ description: "the provider's event payload, exactly as sent (signatures are computed over it)" }),
  bodyTypes: ["raw"],
  output: S.DeliveryOutcomeSchema,
  status: 201,
  errors: { 404: "Unknown pipeline, no such trigger, or a bad signature (all alike)", 413: "Payload over the size limit" },
  authorize: "public-signed",
  run: ({ db, headers }, i) =>
    receiveDelivery(db, { provider: i.provider, pipelineId: i.pipelineId, headers: headers ?? new Headers(), body: i.body }),
});

export const listDeliveriesOp = defineOperation({
  name: "pipeline.deliveries",
  summary: "The pipeline's last 50 webhook deliveries, newest first, with what each did",
  method: "GET",
  path: "/api/v1/pipelines/{id}/deliveries",
  tags: ["hooks"],
  params: z.object({ id: pathId("pipeline id") }),
  output: S.DeliveryListSchema,
  errors: { 404: "No such pipeline, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db }, i) => ({ items: (await listDeliveries(db, i.id)).map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })) }),
});

export const replayDeliveryOp = defineOperation({
  name: "delivery.replay",
  summary: "Process a recorded delivery again, against the pipeline's current triggers",
  method: "POST",
  path: "/api/v1/deliveries/{id}/replay",
  tags: ["hooks"],
  params: z.object({ id: pathId("delivery id (the `id` of a listed delivery)") }),
  output: S.DeliveryOutcomeSchema,
  status: 201,
  errors: { 404: "No such delivery, or one in a project the caller is not a member of" },
  authorize: { permission: "run.start", project: byDelivery("id") },
  run: ({ db, actor }, i) => replayDelivery(db, actor, i.id),
});

export const hookOperations = [receiveDeliveryOp, listDeliveriesOp, replayDeliveryOp];
