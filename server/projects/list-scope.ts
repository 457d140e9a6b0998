import { z } from "zod";
import { AppError } from "@/lib/errors";
import { ProjectSlugSchema } from "@/lib/projects";
import { requireProject } from "../authz/authz";
import type { Locator } from "../operations/define";

/**
 * Which projects a list shows (pipelines, runs, analytics): `?project=` when given, else the
 * project switcher's choice (server/projects/current.ts), which pages pass as `switcher`; without
 * either, every project the caller may see. The check is the operation's, through this locator.
 */

/** The switcher's choice, an input a page supplies beside the query: not part of the HTTP API. */
export const SwitcherInput = z.object({
  switcher: ProjectSlugSchema.nullish().meta({ description: "the project switcher's choice (pages only)" }),
});

/**
 * `?project=` is refused like any project the caller may not see; the switcher's choice is not:
 * a project the user left (or that was deleted) falls back to all of theirs.
 */
export const byListScope: Locator<{ project?: string; switcher?: string | null }> = async (db, actor, action, i) => {
  if (i.project) return requireProject(db, actor, i.project, action);
  if (!i.switcher) return null;
  try {
    return await requireProject(db, actor, i.switcher, action);
  } catch (e) {
    if (e instanceof AppError && (e.code === "not_found" || e.code === "forbidden")) return null;
    throw e;
  }
};
