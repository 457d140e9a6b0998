"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import type { PutSecretBodySchema } from "@/lib/api-schemas";
import { SecretNameSchema } from "@/lib/api-schemas";
import { ProjectSlugSchema } from "@/lib/projects";
import { callAs } from "../operations/call";
import { deleteSecretOp, putSecretOp } from "../secrets/operations";
import { action } from "./result";

/** The project page's Secrets tab: the same declared operations as the REST API (server/secrets/operations.ts). */

export async function putSecretAction(slug: string, name: string, input: z.input<typeof PutSecretBodySchema>) {
  return action("putSecret", async (actor) => {
    const secretName = SecretNameSchema.parse(name.trim());
    const r = await callAs(actor, putSecretOp, { project: ProjectSlugSchema.parse(slug), name: secretName, body: input });
    revalidatePath(`/projects/${slug}`);
    // Nothing of the value goes back to the browser.
    return { name: r.secret.name, created: r.created };
  });
}

export async function deleteSecretAction(slug: string, name: string) {
  return action("deleteSecret", async (actor) => {
    await callAs(actor, deleteSecretOp, { project: ProjectSlugSchema.parse(slug), name: SecretNameSchema.parse(name) });
    revalidatePath(`/projects/${slug}`);
    return { name };
  });
}
