import { cookies } from "next/headers";
import { ProjectSlugSchema } from "@/lib/projects";
import type { DbOrTx } from "../db/client";
import { requireProject, visibleProjectIds, type Actor } from "../authz/authz";

/** The project switcher's choice, kept in a cookie: lists show that project; null = all projects. */
export const PROJECT_COOKIE = "gantry_project";

export async function currentProjectSlug(): Promise<string | null> {
  const v = (await cookies()).get(PROJECT_COOKIE)?.value;
  const r = ProjectSlugSchema.safeParse(v);
  return r.success ? r.data : null;
}

/**
 * Which projects a list page shows: the switcher's project when the user may see it, else every
 * project they belong to (null = all, for site administrators).
 */
export async function listScope(
  db: DbOrTx,
  actor: Actor,
): Promise<{ projectIds: string[] | null; current: { id: string; slug: string } | null }> {
  const slug = await currentProjectSlug();
  if (slug) {
    try {
      const a = await requireProject(db, actor, slug, "project.view");
      return { projectIds: [a.projectId], current: { id: a.projectId, slug: a.projectSlug } };
    } catch {
      // A project the user left (or that was deleted): fall back to all of theirs.
    }
  }
  return { projectIds: await visibleProjectIds(db, actor), current: null };
}
