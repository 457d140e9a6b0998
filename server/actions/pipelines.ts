"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { validationFailed } from "@/lib/errors";
import { parseSpecText } from "@/lib/parse-spec";
import { ProjectSlugSchema } from "@/lib/projects";
import { getDb } from "../db/client";
import { createPipelineAs, savePipelineAs } from "../pipelines/commands";
import { action } from "./result";
import { currentProjectSlug } from "../projects/current";

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

export async function createPipelineAction(input: { source: string; project?: string }) {
  return action("createPipeline", async (actor) => {
    const source = SpecText.parse(input.source);
    // Without an explicit project: the one the switcher shows (else the default project).
    const project = ProjectSlugSchema.optional().parse(input.project) ?? (await currentProjectSlug()) ?? undefined;
    const created = await createPipelineAs(getDb(), actor, { project, spec: parseOrThrow(source), source, message: "created" });
    revalidatePath("/pipelines");
    return created;
  });
}

export async function savePipelineAction(input: z.input<typeof SaveInput>) {
  return action("savePipeline", async (actor) => {
    const i = SaveInput.parse(input);
    const saved = await savePipelineAs(getDb(), actor, i.pipelineId, {
      spec: parseOrThrow(i.source),
      source: i.source,
      message: i.message?.trim() || undefined,
      baseVersion: i.baseVersion,
    });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    revalidatePath("/pipelines");
    return saved;
  });
}
