import type { FieldError, PipelineSpec } from "@/lib/pipeline-spec";
import { validationFailed } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import { findTemplates, type TemplateView } from "../templates/catalog";
import { validateParams } from "../templates/params";

/**
 * Checks a shape-valid spec against the catalog: templates exist, task params satisfy each
 * template's JSON Schema, and the template can run on the configured executor. Throws a 422
 * AppError listing every problem with its field path; returns the templates used.
 */
export async function checkSpecAgainstCatalog(db: DbOrTx, spec: PipelineSpec): Promise<Map<string, TemplateView>> {
  const names = spec.stages.flatMap((s) => s.tasks.map((t) => t.template));
  const found = await findTemplates(db, names);
  const errors: FieldError[] = [];
  spec.stages.forEach((stage, si) =>
    stage.tasks.forEach((task, ti) => {
      const at = `stages[${si}].tasks[${ti}]`;
      const tpl = found.get(task.template);
      if (!tpl) {
        errors.push({ path: `${at}.template`, message: `unknown template '${task.template}'` });
        return;
      }
      if (!tpl.local.supported) {
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
