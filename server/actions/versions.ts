"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "../db/client";
import { restoreVersionAs, upgradeTemplatesAs } from "../pipelines/commands";
import { action } from "./result";

const Input = z.object({ pipelineId: z.string().min(1), baseVersion: z.number().int().positive().optional() });

export async function restoreVersionAction(input: z.input<typeof Input> & { version: number }) {
  return action("restoreVersion", async (actor) => {
    const i = Input.parse(input);
    const r = await restoreVersionAs(getDb(), actor, i.pipelineId, z.number().int().positive().parse(input.version), i.baseVersion);
    revalidatePath(`/pipelines/${i.pipelineId}`);
    return r;
  });
}

export async function upgradeTemplatesAction(input: z.input<typeof Input>) {
  return action("upgradeTemplates", async (actor) => {
    const i = Input.parse(input);
    const r = await upgradeTemplatesAs(getDb(), actor, i.pipelineId, i.baseVersion);
    revalidatePath(`/pipelines/${i.pipelineId}`);
    return r;
  });
}
