"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import type { CreateUserBodySchema, UpdateUserBodySchema } from "@/lib/api-schemas";
import { createUserOp, deleteUserOp, unlockUserOp, updateUserOp } from "../auth/operations";
import { callAs } from "../operations/call";
import { action } from "./result";

/** Settings → Users: the same declared operations as /api/v1/users (server/auth/operations.ts), site administrators only. */

export async function createUserAction(input: z.input<typeof CreateUserBodySchema>) {
  return action("createUser", async (actor) => {
    const u = await callAs(actor, createUserOp, { body: input });
    revalidatePath("/settings/users");
    return u;
  });
}

export async function updateUserAction(id: string, patch: z.input<typeof UpdateUserBodySchema>) {
  return action("updateUser", async (actor) => {
    const u = await callAs(actor, updateUserOp, { id, body: patch });
    revalidatePath("/settings/users");
    return u;
  });
}

export async function deleteUserAction(id: string) {
  return action("deleteUser", async (actor) => {
    await callAs(actor, deleteUserOp, { id });
    revalidatePath("/settings/users");
    return { id };
  });
}

export async function unlockUserAction(id: string) {
  return action("unlockUser", async (actor) => {
    const r = await callAs(actor, unlockUserOp, { id });
    revalidatePath("/settings/users");
    return r;
  });
}
