"use client";

import { useCallback, useDeferredValue, useMemo, useState } from "react";
import { withLines } from "@/components/pipelines/spec-errors";
import { useSpecValidation } from "@/components/pipelines/use-spec-validation";
import { otherSpecIssues, problemsByNode, type Issue } from "@/lib/designer/problems";
import { referenceIssues, templateRefInfo } from "@/lib/designer/reference-problems";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc } from "@/lib/designer/types";
import { formatPath, type FieldError } from "@/lib/pipeline-spec";
import { paramProblems } from "./params-validator";

/**
 * What is wrong with the document being designed, by node (`"stage/index"`, `"stage"`, `""` for
 * the pipeline): the spec's rules, each task's params against its template, its `{{ … }}`
 * references and conditions against what each field may see, and what the server said when it
 * refused this very document. While the YAML shows, the same with line numbers.
 */
export function useDesignerProblems({
  doc,
  templates,
  secretNames,
  yaml,
}: {
  doc: PipelineDoc;
  templates: ReadonlyMap<string, PaletteTemplate>;
  /** The project's secret names; null: references to secrets are not checked for existence. */
  secretNames: readonly string[] | null;
  /** The YAML on screen, or null while only the canvas shows. */
  yaml: string | null;
}) {
  const [server, setServer] = useState<{ doc: PipelineDoc; errors: FieldError[] } | null>(null);
  const checkParams = useCallback(
    (template: string, params: Record<string, unknown>) => {
      const t = templates.get(template);
      return t ? paramProblems(t.paramsSchema, params) : null;
    },
    [templates],
  );

  const refInfo = useMemo(() => {
    const byName = new Map([...templates].map(([name, t]) => [name, templateRefInfo(t)]));
    return (name: string) => byName.get(name);
  }, [templates]);
  const projectSecrets = useMemo(() => (secretNames ? new Set(secretNames) : null), [secretNames]);

  // The whole-spec parse (for cross-field rules) and the reference check (which looks at every
  // task before each one) follow a frame later, off the edit's critical path; on the first render
  // too (NOT_YET), so that the page is drawn and usable before they have looked at 300 tasks.
  const checkedDoc = useDeferredValue<PipelineDoc>(doc, NOT_YET);
  const wholeSpec = useMemo(
    () =>
      checkedDoc === NOT_YET
        ? { doc: checkedDoc, issues: [], refs: [] }
        : { doc: checkedDoc, issues: otherSpecIssues(checkedDoc), refs: referenceIssues(checkedDoc, refInfo, projectSecrets) },
    [checkedDoc, refInfo, projectSecrets],
  );
  // Until the check catches up, a reference problem of the last checked document stays on its
  // field rather than blinking off and on at each key press; one whose node is gone is dropped.
  const refs = useMemo(() => (wholeSpec.doc === doc ? wholeSpec.refs : wholeSpec.refs.filter((i) => nodeExists(doc, i))), [doc, wholeSpec]);
  const problems = useMemo(() => {
    const out = problemsByNode(doc, checkParams, [...(wholeSpec.doc === doc ? wholeSpec.issues : []), ...refs]);
    if (server && server.doc === doc)
      for (const e of server.errors) {
        const m = /^stages\[(\d+)\](?:\.tasks\[(\d+)\])?/.exec(e.path);
        const key = m ? (m[2] !== undefined ? `${m[1]}/${m[2]}` : m[1]) : "";
        if (!(out[key] ?? []).some((p) => p.path === e.path)) (out[key] ??= []).push({ path: e.path, message: e.message });
      }
    return out;
  }, [doc, checkParams, server, wholeSpec, refs]);
  const badgeErrors = useMemo(
    () => Object.fromEntries(Object.entries(problems).map(([k, ps]) => [k, ps.map((p) => `${p.path}: ${p.message}`)])),
    [problems],
  );
  const allProblems = useMemo(() => Object.entries(problems).flatMap(([key, ps]) => ps.map((problem) => ({ key, problem }))), [problems]);

  // The YAML's own check (lines for every problem) runs only while it shows; the canvas has the document's.
  const local = useSpecValidation(yaml ?? "");
  const yamlErrors = useMemo(() => {
    if (yaml === null) return [];
    if (!local.ok) return withLines(yaml, local.errors);
    // The YAML's own check knows the spec's rules; the catalog's and the references' come from here.
    const refPaths = new Set(refs.map((i) => formatPath(i.path)));
    const catalog = allProblems
      .filter((p) => /\.params\b/.test(p.problem.path) || /\.template$/.test(p.problem.path) || refPaths.has(p.problem.path))
      .map((p) => p.problem);
    return withLines(yaml, catalog);
  }, [yaml, local, allProblems, refs]);

  /** The server refused `refused` with these errors: they show on its nodes until the document changes. */
  const showServerErrors = useCallback((refused: PipelineDoc, errors: FieldError[]) => setServer({ doc: refused, errors }), []);

  return { problems, badgeErrors, allProblems, yamlErrors, showServerErrors };
}

/** What the deferred whole-spec check has looked at before its first run: nothing. */
const NOT_YET: PipelineDoc = { name: "", stages: [] };

/** Whether the stage or task an issue is at is still in the document. */
function nodeExists(doc: PipelineDoc, issue: Issue): boolean {
  const [a, si, b, ti] = issue.path;
  if (a !== "stages" || typeof si !== "number") return true;
  const stage = doc.stages[si];
  if (!stage) return false;
  return b !== "tasks" || typeof ti !== "number" || ti < stage.tasks.length;
}
