"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { CreateRunBodySchema } from "@/lib/api-schemas";
import { getDb } from "../db/client";
import { runJson } from "../http/present";
import { cancelRunAs, startRunAs } from "../runs/commands";
import { getRunView } from "../runs/queries";
import { action } from "./result";

const Id = z.string().min(1).max(64);

/** Same body as POST /api/v1/pipelines/{id}/runs. */
export async function createRunAction(pipelineId: string, body: z.input<typeof CreateRunBodySchema>) {
  return action("createRun", async (actor) => {
    const id = Id.parse(pipelineId);
    const b = CreateRunBodySchema.parse(body);
    const run = await startRunAs(getDb(), actor, id, { params: b.params, version: b.version, trigger: "manual" });
    revalidatePath(`/pipelines/${id}`);
    return run;
  });
}

/** Returns the run as it is right after the request, so the page updates before the next event. */
export async function cancelRunAction(runId: string) {
  return action("cancelRun", async (actor) => {
    const id = Id.parse(runId);
    await cancelRunAs(getDb(), actor, id);
    return runJson(await getRunView(getDb(), id));
  });
}
