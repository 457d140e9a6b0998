"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { PutSecretBodySchema, SecretNameSchema } from "@/lib/api-schemas";
import { ProjectSlugSchema } from "@/lib/projects";
import { getDb } from "../db/client";
import { deleteSecret, putSecret } from "../secrets/secrets";
import { action } from "./result";

/** The project page's Secrets tab: the same rules as the REST API (server/secrets/secrets.ts). */

export async function putSecretAction(slug: string, name: string, input: z.input<typeof PutSecretBodySchema>) {
  return action("putSecret", async (actor) => {
    const secretName = SecretNameSchema.parse(name.trim());
    const r = await putSecret(getDb(), actor, ProjectSlugSchema.parse(slug), secretName, PutSecretBodySchema.parse(input));
    revalidatePath(`/projects/${slug}`);
    // Nothing of the value goes back to the browser.
    return { name: r.secret.name, created: r.created };
  });
}

export async function deleteSecretAction(slug: string, name: string) {
  return action("deleteSecret", async (actor) => {
    await deleteSecret(getDb(), actor, ProjectSlugSchema.parse(slug), SecretNameSchema.parse(name));
    revalidatePath(`/projects/${slug}`);
    return { name };
  });
}
