"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { CreateRunBodySchema } from "@/lib/api-schemas";
import { getDb } from "../db/client";
import { runJson } from "../http/present";
import { cancelRun } from "../runs/cancel-run";
import { createRun } from "../runs/create-run";
import { getRunView } from "../runs/queries";
import { action } from "./result";

const Id = z.string().min(1).max(64);

/** Same body as POST /api/v1/pipelines/{id}/runs. */
export async function createRunAction(pipelineId: string, body: z.input<typeof CreateRunBodySchema>) {
  return action("createRun", async (user) => {
    const id = Id.parse(pipelineId);
    const b = CreateRunBodySchema.parse(body);
    const run = await createRun(getDb(), id, { params: b.params, version: b.version, userId: user.id, trigger: "manual" });
    revalidatePath(`/pipelines/${id}`);
    return run;
  });
}

/** Returns the run as it is right after the request, so the page updates before the next event. */
export async function cancelRunAction(runId: string) {
  return action("cancelRun", async (user) => {
    const id = Id.parse(runId);
    await cancelRun(getDb(), id, user.username);
    return runJson(await getRunView(getDb(), id));
  });
}
