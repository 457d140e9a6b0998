"use server";

import { revalidatePath } from "next/cache";
import { parse } from "yaml";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { ProjectSlugSchema } from "@/lib/projects";
import { callAs } from "../operations/call";
import { parseTemplateDefinition } from "../templates/manage";
import { createTemplateOp, deleteTemplateOp, deprecateTemplateOp, undeprecateTemplateOp, updateTemplateOp } from "../templates/operations";
import { action } from "./result";
import { currentProjectSlug } from "../projects/current";

/** Template pages' actions: the same declared operations as the REST API (server/templates/operations.ts). */

const Text = z.string().max(1_000_000, "the template is larger than 1 MB");

function parseText(text: string) {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new AppError("bad_request", `malformed YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  return parseTemplateDefinition(value, text);
}

export async function createTemplateAction(input: { text: string; project?: string }) {
  return action("createTemplate", async (actor) => {
    // Without an explicit project: the one the switcher shows (else the default project).
    const project = ProjectSlugSchema.optional().parse(input.project) ?? (await currentProjectSlug()) ?? undefined;
    const r = await callAs(actor, createTemplateOp, { project, body: parseText(Text.parse(input.text)) });
    revalidatePath("/catalog");
    return r;
  });
}

export async function updateTemplateAction(input: { name: string; text: string }) {
  return action("updateTemplate", async (actor) => {
    const r = await callAs(actor, updateTemplateOp, { name: z.string().min(1).parse(input.name), body: parseText(Text.parse(input.text)) });
    revalidatePath("/catalog");
    revalidatePath(`/catalog/${r.name}`);
    return r;
  });
}

export async function setDeprecatedAction(input: { name: string; deprecated: boolean }) {
  return action("deprecateTemplate", async (actor) => {
    const op = z.boolean().parse(input.deprecated) ? deprecateTemplateOp : undeprecateTemplateOp;
    const r = await callAs(actor, op, { name: z.string().min(1).parse(input.name) });
    revalidatePath("/catalog");
    revalidatePath(`/catalog/${r.name}`);
    return r;
  });
}

export async function deleteTemplateAction(input: { name: string }) {
  return action("deleteTemplate", async (actor) => {
    const name = z.string().min(1).parse(input.name);
    await callAs(actor, deleteTemplateOp, { name });
    revalidatePath("/catalog");
    return { name };
  });
}
