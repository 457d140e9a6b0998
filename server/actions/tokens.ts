"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import type { CreateTokenBodySchema } from "@/lib/api-schemas";
import { createTokenOp, revokeTokenOp } from "../auth/operations";
import { callAs } from "../operations/call";
import { action } from "./result";

/** Settings → API tokens: the same declared operations as POST/DELETE /api/v1/tokens (server/auth/operations.ts). */

export async function createTokenAction(input: z.input<typeof CreateTokenBodySchema>) {
  return action("createToken", async (actor) => {
    const t = await callAs(actor, createTokenOp, { body: input });
    revalidatePath("/settings/tokens");
    return t;
  });
}

export async function revokeTokenAction(id: string) {
  return action("revokeToken", async (actor) => {
    await callAs(actor, revokeTokenOp, { id });
    revalidatePath("/settings/tokens");
    return { id };
  });
}
