"use server";

import { cookies } from "next/headers";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { CreateProjectBodySchema, UpdateProjectBodySchema } from "@/lib/api-schemas";
import { ProjectSlugSchema } from "@/lib/projects";
import { callAs } from "../operations/call";
import { PROJECT_COOKIE } from "../projects/current";
import {
  createProjectOp,
  deleteProjectOp,
  getProjectOp,
  removeMemberOp,
  setMemberOp,
  setProjectBuildsOp,
  updateProjectOp,
} from "../projects/operations";
import { action } from "./result";

/** Project pages' actions: the same declared operations as the REST API (server/projects/operations.ts). */

export async function switchProjectAction(slug: string | null) {
  return action("switchProject", async (actor) => {
    const jar = await cookies();
    if (slug === null) {
      jar.delete(PROJECT_COOKIE);
      return { slug: null };
    }
    const p = await callAs(actor, getProjectOp, { project: ProjectSlugSchema.parse(slug) });
    jar.set(PROJECT_COOKIE, p.slug, { path: "/", sameSite: "lax", httpOnly: true, maxAge: 365 * 86400 });
    return { slug: p.slug };
  });
}

export async function createProjectAction(input: z.input<typeof CreateProjectBodySchema>) {
  return action("createProject", async (actor) => {
    const r = await callAs(actor, createProjectOp, { body: input });
    (await cookies()).set(PROJECT_COOKIE, r.slug, { path: "/", sameSite: "lax", httpOnly: true, maxAge: 365 * 86400 });
    revalidatePath("/", "layout");
    return r;
  });
}

export async function updateProjectAction(slug: string, input: z.input<typeof UpdateProjectBodySchema>) {
  return action("updateProject", async (actor) => {
    const r = await callAs(actor, updateProjectOp, { project: ProjectSlugSchema.parse(slug), body: input });
    revalidatePath(`/projects/${slug}`);
    return { slug: r.slug };
  });
}

export async function setProjectBuildsAction(slug: string, privileged: boolean) {
  return action("setProjectBuilds", async (actor) => {
    await callAs(actor, setProjectBuildsOp, { project: ProjectSlugSchema.parse(slug), body: { privileged } });
    revalidatePath(`/projects/${slug}`);
    return { privileged };
  });
}

export async function deleteProjectAction(slug: string) {
  return action("deleteProject", async (actor) => {
    await callAs(actor, deleteProjectOp, { project: ProjectSlugSchema.parse(slug) });
    const jar = await cookies();
    if (jar.get(PROJECT_COOKIE)?.value === slug) jar.delete(PROJECT_COOKIE);
    revalidatePath("/", "layout");
    return { slug };
  });
}

const Username = z.string().trim().min(1, "enter a user name").max(64);

export async function setMemberAction(slug: string, username: string, role: string) {
  return action("setMember", async (actor) => {
    const r = await callAs(actor, setMemberOp, {
      project: ProjectSlugSchema.parse(slug),
      username: Username.parse(username),
      body: { role },
    });
    revalidatePath(`/projects/${slug}`);
    return r;
  });
}

export async function removeMemberAction(slug: string, username: string) {
  return action("removeMember", async (actor) => {
    await callAs(actor, removeMemberOp, { project: ProjectSlugSchema.parse(slug), username: Username.parse(username) });
    revalidatePath(`/projects/${slug}`);
    return { username };
  });
}
