import { specTasks, type PipelineSpec } from "@/lib/pipeline-spec";
import { inArray } from "drizzle-orm";
import { AppError, validationFailed } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import { templates } from "../db/schema";
import { findTemplates, getTemplate, type TemplateView } from "../templates/catalog";

/**
 * Template version pinning: a pipeline version keeps the template versions it was saved with,
 * so a template's new version changes nothing until the pipeline is upgraded on purpose.
 */

export type TemplatePins = Record<string, number>;

export const templateNames = (spec: Pick<PipelineSpec, "stages" | "finally">) => [...new Set(specTasks(spec).map((t) => t.task.template))];

/**
 * The templates a spec uses, each at its pinned version when `pins` names it, else the latest.
 * Missing templates (or pinned versions) are absent from the map.
 */
export async function resolveTemplates(db: DbOrTx, spec: PipelineSpec, pins?: TemplatePins | null): Promise<Map<string, TemplateView>> {
  const names = templateNames(spec);
  const out = await findTemplates(db, names);
  for (const name of names) {
    const pin = pins?.[name];
    const latest = out.get(name);
    if (pin === undefined || !latest || latest.version === pin) continue;
    try {
      out.set(name, await getTemplate(db, name, pin));
    } catch (e) {
      if (e instanceof AppError && e.code === "not_found") out.delete(name);
      else throw e;
    }
  }
  return out;
}

export const pinsOf = (used: Map<string, TemplateView>): TemplatePins => Object.fromEntries([...used].map(([n, t]) => [n, t.version]));

export interface OutdatedTemplate {
  name: string;
  pinned: number;
  latest: number;
}

/** Templates of a version that have a newer version than the pinned one. */
export async function outdatedTemplates(db: DbOrTx, spec: PipelineSpec, pins: TemplatePins | null): Promise<OutdatedTemplate[]> {
  if (!pins) return [];
  const latest = await findTemplates(db, templateNames(spec));
  return Object.entries(pins)
    .flatMap(([name, pinned]) => {
      const newest = latest.get(name)?.version;
      return newest !== undefined && newest > pinned ? [{ name, pinned, latest: newest }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Inside the saving transaction: locks the rows of the templates a version pins, so that deleting
 * one of them (which locks its row, then checks usage) cannot slip in between the catalog check
 * and the insert of the version; a template deleted meanwhile is reported like an unknown one.
 */
export async function lockPinnedTemplates(tx: DbOrTx, pins: TemplatePins): Promise<void> {
  const names = Object.keys(pins);
  if (names.length === 0) return;
  const rows = await tx.select({ name: templates.name }).from(templates).where(inArray(templates.name, names)).for("update");
  const present = new Set(rows.map((r) => r.name));
  const gone = names.filter((n) => !present.has(n));
  if (gone.length) throw validationFailed(gone.map((n) => ({ path: "", message: `template '${n}' was deleted while saving` })));
}
