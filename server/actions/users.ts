"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { CreateUserBodySchema, UpdateUserBodySchema } from "@/lib/api-schemas";
import { audit } from "../audit/audit";
import { deleteUser, unlockUserSignIn, updateUser } from "../auth/user-lifecycle";
import { createUser } from "../auth/users";
import { requireSiteAdmin } from "../authz/authz";
import { getDb } from "../db/client";
import { userJson } from "../http/present";
import { action } from "./result";

/** Settings → Users: the same rules as /api/v1/users (server/auth/user-lifecycle.ts), site administrators only. */

const UserId = z.string().min(1).max(64);

export async function createUserAction(input: z.input<typeof CreateUserBodySchema>) {
  return action("createUser", async (actor) => {
    requireSiteAdmin(actor, "add users");
    const body = CreateUserBodySchema.parse(input);
    const db = getDb();
    const u = await createUser(db, body);
    await audit(db, actor, { action: "user.create", targetType: "user", targetId: u.id, targetName: u.username, details: { role: u.role } });
    revalidatePath("/settings/users");
    return userJson(u);
  });
}

export async function updateUserAction(id: string, patch: z.input<typeof UpdateUserBodySchema>) {
  return action("updateUser", async (actor) => {
    requireSiteAdmin(actor, "change users");
    const u = await updateUser(getDb(), actor, UserId.parse(id), UpdateUserBodySchema.parse(patch));
    revalidatePath("/settings/users");
    return userJson(u);
  });
}

export async function deleteUserAction(id: string) {
  return action("deleteUser", async (actor) => {
    requireSiteAdmin(actor, "delete users");
    await deleteUser(getDb(), actor, UserId.parse(id));
    revalidatePath("/settings/users");
    return { id };
  });
}

export async function unlockUserAction(id: string) {
  return action("unlockUser", async (actor) => {
    requireSiteAdmin(actor, "unlock users");
    const r = await unlockUserSignIn(getDb(), actor, UserId.parse(id));
    revalidatePath("/settings/users");
    return { user: userJson(r.user), cleared: r.cleared };
  });
}
