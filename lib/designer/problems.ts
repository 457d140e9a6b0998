import { z } from "zod";
import { FINALLY_MAX_TASKS, formatPath, PipelineSpecSchema, StageSpecSchema, TaskSpecSchema } from "@/lib/pipeline-spec";
import type { PipelineDoc, TaskDoc } from "./types";

const NO_PARAMS: Record<string, unknown> = Object.freeze({});

export interface Problem {
  path: string;
  message: string;
}

/**
 * The spec's own rules plus each task's params against its template, grouped by the node they
 * belong to (`"stage/index"` for a task, `"finally/index"` for a finally task, `"stage"` for a
 * stage, `""` for the pipeline), so a node can show a badge and the inspector the messages.
 */
export function problemsByNode(
  doc: PipelineDoc,
  checkParams: (template: string, params: Record<string, unknown>) => Problem[] | null,
  /** Issues only the whole-spec check finds (`otherSpecIssues`), when the caller has them. */
  extra: readonly Issue[] = [],
): Record<string, Problem[]> {
  const out: Record<string, Problem[]> = {};
  const add = (key: string, p: Problem) => (out[key] ??= []).push(p);
  for (const issue of [...specIssues(doc), ...extra]) {
    const [a, si, b, ti] = issue.path;
    const p = { path: formatPath(issue.path), message: issue.message };
    if (a === "stages" && typeof si === "number" && b === "tasks" && typeof ti === "number") add(`${si}/${ti}`, p);
    else if (a === "stages" && typeof si === "number") add(String(si), p);
    else if (a === "finally" && typeof si === "number") add(`finally/${si}`, p);
    else add("", p);
  }
  const params = (t: TaskDoc, key: string, at: string) => {
    const errs = checkParams(t.template, (t.params ?? NO_PARAMS) as Record<string, unknown>);
    if (errs === null) add(key, { path: `${at}.template`, message: `unknown template '${t.template}'` });
    else for (const e of errs) add(key, { path: `${at}.params${e.path ? `.${e.path}` : ""}`, message: e.message });
  };
  doc.stages.forEach((s, si) => s.tasks.forEach((t, ti) => params(t, `${si}/${ti}`, `stages[${si}].tasks[${ti}]`)));
  (doc.finally ?? []).forEach((t, i) => params(t, `finally/${i}`, `finally[${i}]`));
  return out;
}

export type Issue = { path: PropertyKey[]; message: string };

/**
 * What the whole PipelineSpecSchema finds beyond the piece-by-piece check: rules it may gain that
 * look across fields (a refinement). The designer runs this off the edit's critical path
 * (a deferred render), so a 300-task pipeline pays for the full parse after the edit shows.
 */
export function otherSpecIssues(doc: PipelineDoc): Issue[] {
  const r = PipelineSpecSchema.safeParse(doc);
  if (r.success) return [];
  const key = (i: { path: PropertyKey[]; message: string }) => `${formatPath(i.path)}\u0000${i.message}`;
  const known = new Set(specIssues(doc).map(key));
  return r.error.issues.filter((i) => !known.has(key(i))).map((i) => ({ path: i.path, message: i.message }));
}

// The spec's rules piece by piece, so that an edit re-checks only the stages and tasks it
// replaced (operations keep the others' objects): parsing all 300 tasks of a big pipeline with
// zod took ~7 ms per edit. Same schemas, messages and paths as PipelineSpecSchema.
const pipelineShell = z.strictObject({
  ...PipelineSpecSchema.shape,
  // "at least one stage" depends on `source` (a pipeline kept in its repository): the whole-spec check says it.
  stages: z.array(z.unknown()),
  finally: z.array(z.unknown()).max(FINALLY_MAX_TASKS, `at most ${FINALLY_MAX_TASKS} finally tasks`).optional(),
});
const stageShell = StageSpecSchema.extend({ tasks: z.array(z.unknown()).min(1, "a stage needs at least one task") });
const stageCache = new WeakMap<object, Issue[]>();
const taskCache = new WeakMap<object, Issue[]>();

function cached(cache: WeakMap<object, Issue[]>, value: unknown, schema: z.ZodType): Issue[] {
  const key = typeof value === "object" && value !== null ? value : null;
  const hit = key && cache.get(key);
  if (hit) return hit;
  const r = schema.safeParse(value);
  const issues = r.success ? [] : r.error.issues.map((i) => ({ path: i.path, message: i.message }));
  if (key) cache.set(key, issues);
  return issues;
}

function specIssues(doc: PipelineDoc): Issue[] {
  const out: Issue[] = [];
  const top = pipelineShell.safeParse(doc);
  if (!top.success) out.push(...top.error.issues.map((i) => ({ path: i.path, message: i.message })));
  const stages = Array.isArray(doc.stages) ? doc.stages : [];
  stages.forEach((stage, si) => {
    for (const i of cached(stageCache, stage, stageShell)) out.push({ path: ["stages", si, ...i.path], message: i.message });
    const tasks = stage && Array.isArray(stage.tasks) ? stage.tasks : [];
    tasks.forEach((task, ti) => {
      for (const i of cached(taskCache, task, TaskSpecSchema))
        out.push({ path: ["stages", si, "tasks", ti, ...i.path], message: i.message });
    });
  });
  const finallyTasks = Array.isArray(doc.finally) ? doc.finally : [];
  finallyTasks.forEach((task, i) => {
    for (const issue of cached(taskCache, task, TaskSpecSchema)) out.push({ path: ["finally", i, ...issue.path], message: issue.message });
  });
  // The cross-cutting rules of PipelineSpecSchema's refinement: names are unique.
  const dup = (names: { name: unknown; path: PropertyKey[] }[], what: string) => {
    const seen = new Set<unknown>();
    for (const n of names) {
      if (typeof n.name !== "string") continue;
      if (seen.has(n.name)) out.push({ path: n.path, message: `duplicate ${what} name '${n.name}'` });
      seen.add(n.name);
    }
  };
  const params = Array.isArray(doc.params) ? doc.params : [];
  dup(
    params.map((p, i) => ({ name: p?.name, path: ["params", i, "name"] })),
    "param",
  );
  dup(
    stages.map((s, i) => ({ name: s?.name, path: ["stages", i, "name"] })),
    "stage",
  );
  dup(
    [
      ...stages.flatMap((s, si) =>
        (Array.isArray(s?.tasks) ? s.tasks : []).map((t, ti) => ({ name: t?.name, path: ["stages", si, "tasks", ti, "name"] })),
      ),
      ...finallyTasks.map((t, i) => ({ name: t?.name, path: ["finally", i, "name"] })),
    ],
    "task",
  );
  return out;
}
