"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { validationFailed } from "@/lib/errors";
import { parseSpecText } from "@/lib/parse-spec";
import { getDb } from "../db/client";
import { createPipeline, savePipelineVersion } from "../pipelines/pipelines";
import { action } from "./result";

const SpecText = z.string().max(1_000_000, "the spec is larger than 1 MB");

const SaveInput = z.object({
  pipelineId: z.string().min(1),
  source: SpecText,
  message: z.string().max(500).optional(),
  baseVersion: z.number().int().positive(),
});

/** The editor sends its text; the server parses it again (the browser's check is only a preview). */
function parseOrThrow(source: string) {
  const r = parseSpecText(source);
  if (!r.ok) throw validationFailed(r.errors);
  return r.spec;
}

export async function createPipelineAction(input: { source: string }) {
  return action("createPipeline", async (user) => {
    const source = SpecText.parse(input.source);
    const created = await createPipeline(getDb(), { spec: parseOrThrow(source), source, message: "created", userId: user.id });
    revalidatePath("/pipelines");
    return created;
  });
}

export async function savePipelineAction(input: z.input<typeof SaveInput>) {
  return action("savePipeline", async (user) => {
    const i = SaveInput.parse(input);
    const saved = await savePipelineVersion(getDb(), i.pipelineId, {
      spec: parseOrThrow(i.source),
      source: i.source,
      message: i.message?.trim() || undefined,
      userId: user.id,
      baseVersion: i.baseVersion,
    });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    revalidatePath("/pipelines");
    return saved;
  });
}
