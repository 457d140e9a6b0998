"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { CreateTokenBodySchema } from "@/lib/api-schemas";
import { issueToken, revokeToken } from "../auth/personal-tokens";
import { getDb } from "../db/client";
import { tokenJson } from "../http/token-json";
import { action } from "./result";

/** Settings → API tokens: the same rules as POST/DELETE /api/v1/tokens (server/auth/personal-tokens.ts). */

export async function createTokenAction(input: z.input<typeof CreateTokenBodySchema>) {
  return action("createToken", async (actor) => {
    const body = CreateTokenBodySchema.parse(input);
    const t = await issueToken(getDb(), actor, { name: body.name, scope: body.scope, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
    revalidatePath("/settings/tokens");
    return { ...tokenJson(t), token: t.token };
  });
}

export async function revokeTokenAction(id: string) {
  return action("revokeToken", async (actor) => {
    await revokeToken(getDb(), actor, z.string().min(1).max(64).parse(id));
    revalidatePath("/settings/tokens");
    return { id };
  });
}
