"use server";

import { cookies } from "next/headers";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { CreateProjectBodySchema, SetMemberBodySchema, UpdateProjectBodySchema } from "@/lib/api-schemas";
import { ProjectSlugSchema } from "@/lib/projects";
import { getDb } from "../db/client";
import { requireProject } from "../authz/authz";
import { PROJECT_COOKIE } from "../projects/current";
import { createProject, deleteProject, removeMember, setMember, updateProject } from "../projects/projects";
import { action } from "./result";

/** Project pages' actions: the same rules as the REST API (server/projects/projects.ts). */

export async function switchProjectAction(slug: string | null) {
  return action("switchProject", async (actor) => {
    const jar = await cookies();
    if (slug === null) {
      jar.delete(PROJECT_COOKIE);
      return { slug: null };
    }
    const access = await requireProject(getDb(), actor, ProjectSlugSchema.parse(slug), "project.view");
    jar.set(PROJECT_COOKIE, access.projectSlug, { path: "/", sameSite: "lax", httpOnly: true, maxAge: 365 * 86400 });
    return { slug: access.projectSlug };
  });
}

export async function createProjectAction(input: z.input<typeof CreateProjectBodySchema>) {
  return action("createProject", async (actor) => {
    const r = await createProject(getDb(), actor, CreateProjectBodySchema.parse(input));
    (await cookies()).set(PROJECT_COOKIE, r.slug, { path: "/", sameSite: "lax", httpOnly: true, maxAge: 365 * 86400 });
    revalidatePath("/", "layout");
    return r;
  });
}

export async function updateProjectAction(slug: string, input: z.input<typeof UpdateProjectBodySchema>) {
  return action("updateProject", async (actor) => {
    const r = await updateProject(getDb(), actor, ProjectSlugSchema.parse(slug), UpdateProjectBodySchema.parse(input));
    revalidatePath(`/projects/${slug}`);
    return { slug: r.slug };
  });
}

export async function deleteProjectAction(slug: string) {
  return action("deleteProject", async (actor) => {
    await deleteProject(getDb(), actor, ProjectSlugSchema.parse(slug));
    const jar = await cookies();
    if (jar.get(PROJECT_COOKIE)?.value === slug) jar.delete(PROJECT_COOKIE);
    revalidatePath("/", "layout");
    return { slug };
  });
}

const Username = z.string().trim().min(1, "enter a user name").max(64);

export async function setMemberAction(slug: string, username: string, role: string) {
  return action("setMember", async (actor) => {
    const r = await setMember(getDb(), actor, ProjectSlugSchema.parse(slug), Username.parse(username), SetMemberBodySchema.parse({ role }).role);
    revalidatePath(`/projects/${slug}`);
    return r;
  });
}

export async function removeMemberAction(slug: string, username: string) {
  return action("removeMember", async (actor) => {
    await removeMember(getDb(), actor, ProjectSlugSchema.parse(slug), Username.parse(username));
    revalidatePath(`/projects/${slug}`);
    return { username };
  });
}
