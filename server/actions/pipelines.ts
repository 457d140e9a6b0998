"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { validationFailed } from "@/lib/errors";
import { parseSpecText } from "@/lib/parse-spec";
import { ProjectSlugSchema } from "@/lib/projects";
import { callAs } from "../operations/call";
import { createPipelineOp, proposeChangeOp, savePipelineOp } from "../pipelines/operations";
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
    const created = await callAs(actor, createPipelineOp, { project, body: parseOrThrow(source), source, message: "created" });
    revalidatePath("/pipelines");
    return created;
  });
}

export async function savePipelineAction(input: z.input<typeof SaveInput>) {
  return action("savePipeline", async (actor) => {
    const i = SaveInput.parse(input);
    const saved = await callAs(actor, savePipelineOp, {
      id: i.pipelineId,
      body: parseOrThrow(i.source),
      source: i.source,
      message: i.message?.trim() || undefined,
      baseVersion: i.baseVersion,
    });
    revalidatePath(`/pipelines/${i.pipelineId}`);
    revalidatePath("/pipelines");
    return saved;
  });
}

const ProposeInput = z.object({
  pipelineId: z.string().min(1),
  source: SpecText,
  base: SpecText.optional(),
  message: z.string().max(500).optional(),
});

/** The designer's save for a pipeline kept in its repository: a pull request on its forge. */
export async function proposePipelineChangeAction(input: z.input<typeof ProposeInput>) {
  return action("proposePipelineChange", async (actor) => {
    const i = ProposeInput.parse(input);
    return callAs(actor, proposeChangeOp, {
      id: i.pipelineId,
      body: { source: i.source, base: i.base, message: i.message?.trim() || undefined },
    });
  });
}
