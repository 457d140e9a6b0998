"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "../db/client";
import { checkScope } from "../authz/authz";
import { replayDelivery } from "../hooks/deliver";
import { action } from "./result";

/** Replays a recorded webhook delivery (same rules as POST /api/v1/deliveries/{id}/replay). */
export async function replayDeliveryAction(deliveryId: string, pipelineId: string) {
  return action("replayDelivery", async (actor) => {
    checkScope(actor, "run.start");
    const r = await replayDelivery(getDb(), actor, z.string().min(1).max(64).parse(deliveryId));
    revalidatePath(`/pipelines/${z.string().max(64).parse(pipelineId)}`);
    return r.body;
  });
}
