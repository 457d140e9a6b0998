import { formatPath, PipelineSpecSchema } from "@/lib/pipeline-spec";
import type { PipelineDoc } from "./types";

const NO_PARAMS: Record<string, unknown> = Object.freeze({});

export interface Problem {
  path: string;
  message: string;
}

/**
 * The spec's own rules plus each task's params against its template, grouped by the node they
 * belong to (`"stage/index"` for a task, `"stage"` for a stage, `""` for the pipeline), so a
 * node can show a badge and the inspector the messages.
 */
export function problemsByNode(
  doc: PipelineDoc,
  checkParams: (template: string, params: Record<string, unknown>) => Problem[] | null,
): Record<string, Problem[]> {
  const out: Record<string, Problem[]> = {};
  const add = (key: string, p: Problem) => (out[key] ??= []).push(p);
  const r = PipelineSpecSchema.safeParse(doc);
  if (!r.success)
    for (const issue of r.error.issues) {
      const [a, si, b, ti] = issue.path;
      const p = { path: formatPath(issue.path), message: issue.message };
      if (a === "stages" && typeof si === "number" && b === "tasks" && typeof ti === "number") add(`${si}/${ti}`, p);
      else if (a === "stages" && typeof si === "number") add(String(si), p);
      else add("", p);
    }
  doc.stages.forEach((s, si) =>
    s.tasks.forEach((t, ti) => {
      const errs = checkParams(t.template, (t.params ?? NO_PARAMS) as Record<string, unknown>);
      if (errs === null) add(`${si}/${ti}`, { path: `stages[${si}].tasks[${ti}].template`, message: `unknown template '${t.template}'` });
      else for (const e of errs) add(`${si}/${ti}`, { path: `stages[${si}].tasks[${ti}].params${e.path ? `.${e.path}` : ""}`, message: e.message });
    }),
  );
  return out;
}
