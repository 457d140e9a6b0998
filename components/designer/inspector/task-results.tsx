"use client";

import { Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import type { Problem } from "@/lib/designer/problems";

export type ResultRow = { name: string; description?: string };

/**
 * The results a task writes to `$GANTRY_RESULTS/NAME` besides its template's, for later tasks'
 * `{{ tasks.T.results.NAME }}`. Rows are the document's own: a half-typed name is a problem
 * under its row until it is a valid one, and undo steps through the edits.
 */
export function ResultsEditor({
  results,
  fromTemplate,
  problems,
  onChange,
}: {
  results: readonly ResultRow[];
  /** The template's declared results, which the task writes without declaring them. */
  fromTemplate: readonly ResultRow[];
  /** Problems at paths relative to the list (`[0].name`, or `` for the list). */
  problems: readonly Problem[];
  onChange: (results: ResultRow[]) => void;
}) {
  const set = (i: number, patch: Partial<ResultRow>) => onChange(results.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const rowProblems = (i: number) => problems.filter((p) => p.path.startsWith(`[${i}]`));
  const listProblems = problems.filter((p) => !p.path.startsWith("["));
  return (
    <div className="flex flex-col gap-1.5">
      {fromTemplate.length > 0 && (
        <p className="text-[11px] leading-snug text-muted">
          From the template: <span className="font-mono">{fromTemplate.map((r) => r.name).join(", ")}</span>
        </p>
      )}
      {results.map((r, i) => {
        const errs = rowProblems(i);
        const errorId = `task-result-${i}-problems`;
        return (
          <div key={i} className="flex flex-col gap-0.5">
            <div className="flex gap-1.5">
              <Input
                aria-label={`Result ${i + 1} name`}
                value={r.name}
                placeholder="name"
                spellCheck={false}
                aria-invalid={errs.length > 0}
                aria-describedby={errs.length ? errorId : undefined}
                className="w-2/5 font-mono text-xs"
                onChange={(e) => set(i, { name: e.target.value })}
              />
              <Input
                aria-label={`Result ${i + 1} description`}
                value={r.description ?? ""}
                placeholder="what it holds"
                className="text-xs"
                onChange={(e) => set(i, { description: e.target.value })}
              />
              <Button
                size="icon"
                variant="ghost"
                aria-label={`Remove result ${r.name || i + 1}`}
                onClick={() => onChange(results.filter((_, j) => j !== i))}
              >
                <Trash2 />
              </Button>
            </div>
            {errs.length > 0 && (
              <ul id={errorId} className="text-xs text-danger">
                {errs.map((p, k) => (
                  <li key={k}>{p.message}</li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
      {listProblems.map((p, k) => (
        <p key={k} className="text-xs text-danger">
          {p.message}
        </p>
      ))}
      <Button size="sm" className="self-start" onClick={() => onChange([...results, { name: "" }])}>
        <Plus /> Add result
      </Button>
      <p className="text-[11px] leading-snug text-muted">
        The task writes each to <span className="font-mono">$GANTRY_RESULTS/NAME</span>; later tasks read it as{" "}
        <span className="font-mono">{"{{ tasks.TASK.results.NAME }}"}</span>.
      </p>
    </div>
  );
}
