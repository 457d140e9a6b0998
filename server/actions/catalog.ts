"use server";

import { revalidatePath } from "next/cache";
import { parse } from "yaml";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { getDb } from "../db/client";
import { createTemplate, deleteTemplate, parseTemplateDefinition, setDeprecated, updateTemplate } from "../templates/manage";
import { action } from "./result";

/** Template pages' actions: the same rules as the REST API (server/templates/manage.ts). */

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

export async function createTemplateAction(input: { text: string }) {
  return action("createTemplate", async (user) => {
    const r = await createTemplate(getDb(), parseText(Text.parse(input.text)), user.id);
    revalidatePath("/catalog");
    return r;
  });
}

export async function updateTemplateAction(input: { name: string; text: string }) {
  return action("updateTemplate", async () => {
    const r = await updateTemplate(getDb(), z.string().min(1).parse(input.name), parseText(Text.parse(input.text)));
    revalidatePath("/catalog");
    revalidatePath(`/catalog/${r.name}`);
    return r;
  });
}

export async function setDeprecatedAction(input: { name: string; deprecated: boolean }) {
  return action("deprecateTemplate", async () => {
    const r = await setDeprecated(getDb(), z.string().min(1).parse(input.name), z.boolean().parse(input.deprecated));
    revalidatePath("/catalog");
    revalidatePath(`/catalog/${r.name}`);
    return r;
  });
}

export async function deleteTemplateAction(input: { name: string }) {
  return action("deleteTemplate", async () => {
    const name = z.string().min(1).parse(input.name);
    await deleteTemplate(getDb(), name);
    revalidatePath("/catalog");
    return { name };
  });
}
