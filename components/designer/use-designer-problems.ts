"use client";

import { useCallback, useDeferredValue, useMemo, useState } from "react";
import { withLines } from "@/components/pipelines/spec-errors";
import { useSpecValidation } from "@/components/pipelines/use-spec-validation";
import { otherSpecIssues, problemsByNode } from "@/lib/designer/problems";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc } from "@/lib/designer/types";
import type { FieldError } from "@/lib/pipeline-spec";
import { paramProblems } from "./params-validator";

/**
 * What is wrong with the document being designed, by node (`"stage/index"`, `"stage"`, `""` for
 * the pipeline): the spec's rules, each task's params against its template, and what the server
 * said when it refused this very document. While the YAML shows, the same with line numbers.
 */
export function useDesignerProblems({
  doc,
  templates,
  yaml,
}: {
  doc: PipelineDoc;
  templates: ReadonlyMap<string, PaletteTemplate>;
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

  // The whole-spec parse (for cross-field rules) follows a frame later, off the edit's critical path.
  const checkedDoc = useDeferredValue(doc);
  const wholeSpec = useMemo(() => ({ doc: checkedDoc, issues: otherSpecIssues(checkedDoc) }), [checkedDoc]);
  const problems = useMemo(() => {
    const out = problemsByNode(doc, checkParams, wholeSpec.doc === doc ? wholeSpec.issues : []);
    if (server && server.doc === doc)
      for (const e of server.errors) {
        const m = /^stages\[(\d+)\](?:\.tasks\[(\d+)\])?/.exec(e.path);
        const key = m ? (m[2] !== undefined ? `${m[1]}/${m[2]}` : m[1]) : "";
        if (!(out[key] ?? []).some((p) => p.path === e.path)) (out[key] ??= []).push({ path: e.path, message: e.message });
      }
    return out;
  }, [doc, checkParams, server, wholeSpec]);
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
    const params = allProblems.filter((p) => /\.params\b/.test(p.problem.path) || /\.template$/.test(p.problem.path)).map((p) => p.problem);
    return withLines(yaml, params);
  }, [yaml, local, allProblems]);

  /** The server refused `refused` with these errors: they show on its nodes until the document changes. */
  const showServerErrors = useCallback((refused: PipelineDoc, errors: FieldError[]) => setServer({ doc: refused, errors }), []);

  return { problems, badgeErrors, allProblems, yamlErrors, showServerErrors };
}
