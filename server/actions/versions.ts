"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { callAs } from "../operations/call";
import { restoreVersionOp, upgradeTemplatesOp } from "../pipelines/operations";
import { action } from "./result";

const Input = z.object({ pipelineId: z.string().min(1), baseVersion: z.number().int().positive().optional() });

export async function restoreVersionAction(input: z.input<typeof Input> & { version: number }) {
  return action("restoreVersion", async (actor) => {
    const i = Input.parse(input);
    const n = String(z.number().int().positive().parse(input.version));
    const r = await callAs(actor, restoreVersionOp, { id: i.pipelineId, n, baseVersion: i.baseVersion });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    return r;
  });
}

export async function upgradeTemplatesAction(input: z.input<typeof Input>) {
  return action("upgradeTemplates", async (actor) => {
    const i = Input.parse(input);
    const r = await callAs(actor, upgradeTemplatesOp, { id: i.pipelineId, baseVersion: i.baseVersion });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    return r;
  });
}
