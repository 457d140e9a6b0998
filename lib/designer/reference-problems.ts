import { checkSpecExpressions, secretParamsOf, type TemplateRefInfo } from "@/lib/expressions/check-spec";
import type { PipelineSpec, StageSpec, TaskSpec } from "@/lib/pipeline-spec";
import type { Issue } from "./problems";
import type { PaletteTemplate } from "./task-from-template";
import type { PipelineDoc, StageDoc, TaskDoc } from "./types";

/**
 * The save-time check of `{{ … }}` references and `when` conditions (lib/expressions/check-spec.ts)
 * on the document being designed, so an unknown reference is marked at its field before saving.
 */

/** What the reference check needs of a catalog template: its secret params and declared results. */
export function templateRefInfo(t: PaletteTemplate): TemplateRefInfo {
  return { secretParams: secretParamsOf(t.paramsSchema), results: (t.results ?? []).map((r) => r.name) };
}

/**
 * Every reference problem of the document, at its field. The document need not be valid: the
 * check reads it the way the spec's defaults would (a stage without mode is sequential, a missing
 * map is empty), and what is malformed there is the spec check's to report.
 */
export function referenceIssues(
  doc: PipelineDoc,
  template: (name: string) => TemplateRefInfo | undefined,
  projectSecrets: ReadonlySet<string> | null,
): Issue[] {
  return checkSpecExpressions(asSpec(doc), template, projectSecrets).map((e) => ({ path: pathOf(e.path), message: e.message }));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === "string" ? v : "");

/** The document with the defaults the spec fills in, keeping every stage and task at its index. */
function asSpec(doc: PipelineDoc): PipelineSpec {
  const params = Array.isArray(doc.params) ? doc.params : [];
  return {
    name: text(doc.name),
    params: params.filter(isRecord).map((p) => ({ name: text(p.name), secret: p.secret === true, required: p.required === true })),
    stages: (Array.isArray(doc.stages) ? doc.stages : []).map(asStage),
    ...(Array.isArray(doc.finally) ? { finally: doc.finally.map(asTask) } : {}),
  };
}

function asStage(s: StageDoc | undefined): StageSpec {
  if (!isRecord(s)) return { name: "", mode: "sequential", tasks: [] };
  return {
    name: text(s.name),
    mode: s.mode === "parallel" ? "parallel" : "sequential",
    ...(typeof s.when === "string" ? { when: s.when } : {}),
    tasks: (Array.isArray(s.tasks) ? s.tasks : []).map(asTask),
  };
}

function asTask(t: TaskDoc | undefined): TaskSpec {
  if (!isRecord(t)) return { name: "", template: "", params: {}, env: {}, retries: 0 };
  const env = isRecord(t.env) ? t.env : {};
  return {
    name: text(t.name),
    template: text(t.template),
    params: isRecord(t.params) ? t.params : {},
    env: Object.fromEntries(
      Object.entries(env).flatMap(([k, v]) => (["string", "number", "boolean"].includes(typeof v) ? [[k, String(v)]] : [])),
    ),
    retries: 0,
    ...(Array.isArray(t.results) ? { results: t.results.filter(isRecord).map((r) => ({ name: text(r.name) })) } : {}),
    ...(typeof t.when === "string" ? { when: t.when } : {}),
    ...(isRecord(t.matrix) ? { matrix: Object.fromEntries(Object.keys(t.matrix).map((k) => [k, []])) } : {}),
  };
}

/** `stages[0].tasks[1].params.script` as the path array the designer's problems use. */
export function pathOf(path: string): PropertyKey[] {
  return [...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[2]));
}
