"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { replayDeliveryOp } from "../hooks/operations";
import { callAs } from "../operations/call";
import { action } from "./result";

/** Replays a recorded webhook delivery (same rules as POST /api/v1/deliveries/{id}/replay). */
export async function replayDeliveryAction(deliveryId: string, pipelineId: string) {
  return action("replayDelivery", async (actor) => {
    const r = await callAs(actor, replayDeliveryOp, { id: deliveryId });
    revalidatePath(`/pipelines/${z.string().max(64).parse(pipelineId)}`);
    return r.body;
  });
}
