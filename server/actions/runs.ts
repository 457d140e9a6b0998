"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import type { CreateRunBodySchema } from "@/lib/api-schemas";
import { callAs } from "../operations/call";
import { cancelRunOp, getRunOp, startRunOp } from "../runs/operations";
import { action } from "./result";

/** Same body as POST /api/v1/pipelines/{id}/runs. */
export async function createRunAction(pipelineId: string, body: z.input<typeof CreateRunBodySchema>) {
  return action("createRun", async (actor) => {
    const run = await callAs(actor, startRunOp, { id: pipelineId, body });
    revalidatePath(`/pipelines/${pipelineId}`);
    return run;
  });
}

/** Returns the run as it is right after the request, so the page updates before the next event. */
export async function cancelRunAction(runId: string) {
  return action("cancelRun", async (actor) => {
    await callAs(actor, cancelRunOp, { id: runId });
    return callAs(actor, getRunOp, { id: runId });
  });
}
