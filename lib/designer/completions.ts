import { EVENT_FIELDS, GIT_FIELDS } from "@/lib/expressions/references";
import type { PipelineDoc, TaskDoc, TaskRef } from "./types";

/**
 * What the designer offers after `{{` in a task's text fields: the references that field may
 * use (lib/expressions/references.ts says which), as a pure list the inspector filters by what
 * has been typed, so the list and the save-time check agree on what exists.
 */

/** One reference to offer. */
export interface Suggestion {
  /** The dotted path written between the braces: `tasks.build.results.digest`. */
  ref: string;
  /** What it stands for, shown beside it. */
  detail: string;
}

/** What the suggestions are made of besides the document. */
export interface SuggestionSource {
  /** Results a template declares (name and description), or undefined for an unknown template. */
  templateResults: (template: string) => readonly { name: string; description?: string }[] | undefined;
  /** The project's secret names, or null when they are not known. */
  secretNames: readonly string[] | null;
}

const GIT: Record<(typeof GIT_FIELDS)[number], string> = {
  sha: "the commit's full SHA",
  shortSha: "the commit's SHA, first 7 characters",
  branch: "the branch of the run",
  tag: "the tag of the run",
  ref: "the full ref (refs/heads/… or refs/tags/…)",
  url: "the repository URL",
};

const EVENT: Record<(typeof EVENT_FIELDS)[number] | "mr.iid", string> = {
  type: "the trigger event's type (manual for a run started by hand)",
  issueKeys: "issue keys of the commits since the last success, comma separated",
  "mr.iid": "the merge request's number",
  image: "the pushed image of a registry event",
  fork: "true when the pull/merge request comes from another repository (a fork), else false",
};

const RUN: Suggestion[] = [
  { ref: "run.id", detail: "this run's id" },
  { ref: "run.number", detail: "this run's number" },
  { ref: "pipeline.name", detail: "the pipeline's name" },
  { ref: "project.slug", detail: "the project's slug" },
];

/**
 * Tasks that end before the task at `at`: every task of the earlier stages, and the tasks before
 * it in its own stage when that stage runs one task after another; every stage task for a
 * `finally` task (finally tasks run side by side).
 */
export function tasksBefore(doc: PipelineDoc, at: TaskRef): TaskDoc[] {
  if (at.stage === "finally") return doc.stages.flatMap((s) => s.tasks);
  const stage = doc.stages[at.stage];
  const earlier = doc.stages.slice(0, at.stage).flatMap((s) => s.tasks);
  if (!stage || (stage.mode ?? "sequential") === "parallel") return earlier;
  return [...earlier, ...stage.tasks.slice(0, at.index)];
}

/**
 * The references one field of the task at `at` may use. A secret field (a param its template
 * marks `secret: true`) takes only project secrets and secret run params; any other field takes
 * the run's non-secret params, git, event, run, pipeline and project, and the status and results
 * of the tasks that end before this one (its template's results and its own).
 */
export function referenceSuggestions(doc: PipelineDoc, at: TaskRef, src: SuggestionSource, secretField: boolean): Suggestion[] {
  const params = doc.params ?? [];
  if (secretField)
    return [
      ...(src.secretNames ?? []).map((n) => ({ ref: `secrets.${n}`, detail: "project secret" })),
      ...params.filter((p) => p.secret).map((p) => ({ ref: `params.${p.name}`, detail: p.description || "secret run param" })),
    ];
  const out: Suggestion[] = params
    .filter((p) => !p.secret)
    .map((p) => ({
      ref: `params.${p.name}`,
      detail: p.description || `run param${p.default !== undefined ? ` (default ${String(p.default)})` : ""}`,
    }));
  for (const [k, detail] of Object.entries(GIT)) out.push({ ref: `git.${k}`, detail });
  for (const [k, detail] of Object.entries(EVENT)) out.push({ ref: `event.${k}`, detail });
  out.push(...RUN);
  if (at.stage === "finally") out.push({ ref: "run.status", detail: "what the stages came to: succeeded, failed or cancelled" });
  const self = at.stage === "finally" ? doc.finally?.[at.index] : doc.stages[at.stage]?.tasks[at.index];
  for (const axis of Object.keys(self?.matrix ?? {})) out.push({ ref: `matrix.${axis}`, detail: `this combination's ${axis}` });
  for (const t of tasksBefore(doc, at)) {
    if (!t.name) continue;
    // A matrix task writes its results once per combination: only its status is one value.
    const results = t.matrix ? [] : [...(src.templateResults(t.template) ?? []), ...(t.results ?? [])];
    for (const r of results) out.push({ ref: `tasks.${t.name}.results.${r.name}`, detail: r.description || `a result of ${t.name}` });
    out.push({ ref: `tasks.${t.name}.status`, detail: `how ${t.name} ended: succeeded, failed, skipped…` });
  }
  return out;
}

/** Suggestions that start with what was typed first, then those that contain it; case does not matter. */
export function filterSuggestions(list: readonly Suggestion[], query: string): Suggestion[] {
  const q = query.toLowerCase();
  if (!q) return [...list];
  const starts = list.filter((s) => s.ref.toLowerCase().startsWith(q));
  return [...starts, ...list.filter((s) => !s.ref.toLowerCase().startsWith(q) && s.ref.toLowerCase().includes(q))];
}

/** A reference being typed: `text.slice(from, to)` is replaced when one is picked; `query` is typed so far. */
export interface CompletionSpot {
  from: number;
  to: number;
  query: string;
}

const PARTIAL = /^\s*([A-Za-z0-9_.-]*)$/;
const REST = /^[A-Za-z0-9_.-]*\s*\}\}/;

/**
 * The reference the caret is in, if any: after an open `{{` with only a dotted path (or nothing)
 * between it and the caret. A reference already closed by `}}` after the caret is replaced whole,
 * so picking one inside `{{ git.sh| }}` gives `{{ git.sha }}`, not two closings.
 */
export function completionAt(text: string, caret: number): CompletionSpot | null {
  if (caret < 2) return null;
  const open = text.lastIndexOf("{{", caret - 2);
  if (open < 0) return null;
  const m = PARTIAL.exec(text.slice(open + 2, caret));
  if (!m) return null;
  const close = REST.exec(text.slice(caret));
  return { from: open, to: caret + (close ? close[0].length : 0), query: m[1] };
}

/** The text with the reference at `spot` replaced by `{{ ref }}`, and where the caret goes (after it). */
export function applyCompletion(text: string, spot: CompletionSpot, ref: string): { text: string; caret: number } {
  const inserted = `{{ ${ref} }}`;
  return { text: text.slice(0, spot.from) + inserted + text.slice(spot.to), caret: spot.from + inserted.length };
}
