"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "../db/client";
import { restoreVersion, upgradeTemplates } from "../pipelines/versions";
import { action } from "./result";

const Input = z.object({ pipelineId: z.string().min(1), baseVersion: z.number().int().positive().optional() });

export async function restoreVersionAction(input: z.input<typeof Input> & { version: number }) {
  return action("restoreVersion", async (user) => {
    const i = Input.parse(input);
    const r = await restoreVersion(getDb(), i.pipelineId, z.number().int().positive().parse(input.version), { userId: user.id, baseVersion: i.baseVersion });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    return r;
  });
}

export async function upgradeTemplatesAction(input: z.input<typeof Input>) {
  return action("upgradeTemplates", async (user) => {
    const i = Input.parse(input);
    const r = await upgradeTemplates(getDb(), i.pipelineId, { userId: user.id, baseVersion: i.baseVersion });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    return r;
  });
}
