import type { FieldError, PipelineSpec } from "@/lib/pipeline-spec";
import { validationFailed } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import type { TemplateView } from "../templates/catalog";
import { validateParams } from "../templates/params";
import { config } from "../config";
import { resolveTemplates, type TemplatePins } from "./pins";

export interface CatalogCheckOptions {
  /** Template versions to check against (the pipeline's pins); unpinned templates use the latest. */
  pins?: TemplatePins | null;
  /** Templates the previous version already used: these may stay even when deprecated. */
  previous?: ReadonlySet<string>;
  /** The executor tasks will run on; cluster-only templates are refused on the local one. */
  executor?: "local" | "kubernetes";
}

/**
 * Checks a shape-valid spec against the catalog: templates exist, task params satisfy each
 * template's JSON Schema, and the template can run on the configured executor. Throws a 422
 * AppError listing every problem with its field path; returns the templates used (at the
 * versions checked).
 */
export async function checkSpecAgainstCatalog(db: DbOrTx, spec: PipelineSpec, opts: CatalogCheckOptions = {}): Promise<Map<string, TemplateView>> {
  const found = await resolveTemplates(db, spec, opts.pins);
  const executor = opts.executor ?? config().GANTRY_EXECUTOR;
  const errors: FieldError[] = [];
  spec.stages.forEach((stage, si) =>
    stage.tasks.forEach((task, ti) => {
      const at = `stages[${si}].tasks[${ti}]`;
      const tpl = found.get(task.template);
      if (!tpl) {
        const pin = opts.pins?.[task.template];
        errors.push({ path: `${at}.template`, message: pin ? `template '${task.template}' version ${pin} no longer exists` : `unknown template '${task.template}'` });
        return;
      }
      if (tpl.deprecated && !opts.previous?.has(tpl.name)) {
        errors.push({ path: `${at}.template`, message: `template '${tpl.name}' is deprecated: pipelines that use it keep it, new tasks cannot` });
      }
      if (tpl.gate) {
        // Checked before the executor: a gate is not a process on any executor.
        errors.push({ path: `${at}.template`, message: `template '${tpl.name}' is a manual ${tpl.gate} gate, not a process: ${tpl.gate} gates are not supported on this server yet` });
        return;
      }
      if (executor === "local" && !tpl.local.supported) {
        errors.push({
          path: `${at}.template`,
          message: `template '${tpl.name}' cannot run on the local executor${tpl.local.reason ? `: ${tpl.local.reason}` : ""}`,
        });
      }
      const r = validateParams(tpl.paramsSchema, task.params, `${at}.params`);
      if (!r.ok) errors.push(...r.errors);
    }),
  );
  if (errors.length) throw validationFailed(errors);
  return found;
}
