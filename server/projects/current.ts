import { cookies } from "next/headers";
import { ProjectSlugSchema } from "@/lib/projects";

/**
 * The project switcher's choice, kept in a cookie: lists show that project; null = all projects.
 * List pages pass it to their operation as `switcher` (./list-scope.ts), which checks it.
 */
export const PROJECT_COOKIE = "gantry_project";

export async function currentProjectSlug(): Promise<string | null> {
  const v = (await cookies()).get(PROJECT_COOKIE)?.value;
  const r = ProjectSlugSchema.safeParse(v);
  return r.success ? r.data : null;
}
