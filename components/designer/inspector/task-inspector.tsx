"use client";

import { ArrowDown, ArrowLeft, ArrowRight, ArrowUp, Copy, Trash2, X } from "lucide-react";
import { useMemo } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { referenceSuggestions } from "@/lib/designer/completions";
import type { Problem } from "@/lib/designer/problems";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc, TaskDoc, TaskRef } from "@/lib/designer/types";
import type { SetMatrix } from "@/lib/designer/operations/set-matrix";
import type { UpdateTask } from "@/lib/designer/operations/update-task";
import { taskPath } from "@/lib/designer/places";
import { ParamsForm } from "../params-form";
import { ReferenceOptionsContext, type ReferenceOptions } from "../references/reference-context";
import type { Move } from "../selection";
import { TemplateIcon } from "../template-icon";
import { ConditionField } from "./condition-field";
import { ProblemList, Section } from "./parts";
import { EnvEditor } from "./task-env";
import { MatrixEditor } from "./task-matrix";
import { ResourcesEditor, type Resources } from "./task-resources";
import { ResultsEditor } from "./task-results";
import { ReportsEditor } from "./task-reports";
import { junitGlobs } from "@/lib/pipeline-spec";

export function TaskInspector({
  doc,
  at,
  task,
  template,
  templates,
  secretNames,
  secretsHref,
  problems,
  onUpdate,
  onMatrix,
  onDuplicate,
  onDelete,
  onMove,
  onClose,
}: {
  doc: PipelineDoc;
  /** Where the task is: what its fields may reference depends on the tasks before it. */
  at: TaskRef;
  task: TaskDoc;
  template?: PaletteTemplate;
  templates: ReadonlyMap<string, PaletteTemplate>;
  /** The project's secret names, or null when they are not known. */
  secretNames: readonly string[] | null;
  secretsHref: string | null;
  problems: Problem[];
  onUpdate: (patch: UpdateTask["patch"], field: string) => void;
  onMatrix: (change: Omit<SetMatrix, "type" | "task">, field: string) => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onMove: (m: Move) => void;
  onClose: () => void;
}) {
  const params = (task.params ?? {}) as Record<string, unknown>;
  const env = (task.env ?? {}) as Record<string, string>;
  const options = useMemo((): ReferenceOptions => {
    const src = { templateResults: (name: string) => templates.get(name)?.results, secretNames };
    return {
      plain: referenceSuggestions(doc, at, src, false),
      secret: referenceSuggestions(doc, at, src, true),
      secretsHref,
    };
  }, [doc, at, templates, secretNames, secretsHref]);
  // Problems of params, env values, the condition and results show at their fields; the rest
  // (name, timeout…) up here.
  const prefix = `${taskPath(at)}.`;
  const under = (field: string) =>
    problems.filter((p) => p.path.startsWith(prefix + field)).map((p) => ({ ...p, path: p.path.slice((prefix + field).length) }));
  const paramProblems = under("params.");
  const envProblems: Record<string, string[]> = {};
  for (const p of under("env.")) if (p.path in env) (envProblems[p.path] ??= []).push(p.message);
  const whenProblems = problems.filter((p) => p.path === `${prefix}when`);
  const resultProblems = under("results");
  const reportProblems = under("reports");
  const matrixProblems = problems
    .filter((p) => p.path.startsWith(`${prefix}matrix`) || p.path === `${prefix}failFast`)
    .map((p) => ({ ...p, path: p.path.slice(prefix.length) }));
  const other = problems.filter(
    (p) =>
      !p.path.startsWith(`${prefix}params.`) &&
      !p.path.startsWith(`${prefix}results`) &&
      !p.path.startsWith(`${prefix}reports`) &&
      !p.path.startsWith(`${prefix}matrix`) &&
      p.path !== `${prefix}failFast` &&
      p.path !== `${prefix}when` &&
      !(p.path.startsWith(`${prefix}env.`) && p.path.slice(`${prefix}env.`.length) in env),
  );
  return (
    <ReferenceOptionsContext value={options}>
      <div aria-label={`Task ${task.name} settings`} role="region">
        <header className="flex items-start gap-2.5 px-4 pt-3 pb-2">
          <span className="grid size-9 shrink-0 place-items-center rounded-md bg-accent-soft text-accent">
            <TemplateIcon icon={template?.icon} className="size-5" />
          </span>
          <div className="min-w-0 flex-1">
            <h2 className="truncate text-sm font-semibold">{task.name || "unnamed task"}</h2>
            <p className="truncate text-xs text-muted">
              {template ? template.title : `unknown template ${task.template}`}
              {at.stage === "finally" && " · finally: runs after all stages"}
            </p>
          </div>
          <Button size="icon-sm" variant="ghost" onClick={onClose} aria-label="Close task settings">
            <X />
          </Button>
        </header>
        <div className="flex flex-wrap gap-1 px-4 pb-3">
          <Button size="icon-sm" onClick={() => onMove("up")} aria-label="Move task up" title="Move up (Alt+↑)">
            <ArrowUp />
          </Button>
          <Button size="icon-sm" onClick={() => onMove("down")} aria-label="Move task down" title="Move down (Alt+↓)">
            <ArrowDown />
          </Button>
          <Button size="icon-sm" onClick={() => onMove("left")} aria-label="Move task to the previous stage" title="Previous stage (Alt+←)">
            <ArrowLeft />
          </Button>
          <Button size="icon-sm" onClick={() => onMove("right")} aria-label="Move task to the next stage" title="Next stage (Alt+→)">
            <ArrowRight />
          </Button>
          <Button size="sm" className="ml-auto" onClick={onDuplicate} title="Ctrl+D" aria-label="Duplicate task">
            <Copy /> Duplicate
          </Button>
          <Button size="sm" variant="danger" onClick={onDelete} title="Delete" aria-label="Delete task">
            <Trash2 /> Delete
          </Button>
        </div>
        <ProblemList problems={other} label="Task problems" />
        <Section title="Task">
          <div className="flex flex-col gap-1">
            <Label htmlFor="task-name">Task name</Label>
            <Input
              id="task-name"
              value={task.name}
              onChange={(e) => onUpdate({ name: e.target.value }, "name")}
              spellCheck={false}
              className="font-mono text-xs"
            />
          </div>
          {template?.description && <p className="mt-2 text-[11px] leading-snug text-muted">{template.description}</p>}
        </Section>
        <Section title="Params">
          {template ? (
            <>
              <p className="mb-2 text-[11px] leading-snug text-muted">
                Type <span className="font-mono">{"{{"}</span> in a text field to insert a reference: params, git, the run, results of
                earlier tasks.
              </p>
              <ParamsForm
                schema={template.paramsSchema}
                uiSchema={template.uiSchema}
                value={params}
                problems={paramProblems}
                onChange={(p) => onUpdate({ params: p }, "params")}
              />
            </>
          ) : (
            <p className="text-xs text-muted">Pick an existing template in the YAML to edit params here.</p>
          )}
        </Section>
        <Section title="Condition">
          <ConditionField
            id="task-when"
            what="task"
            value={task.when ?? ""}
            problems={whenProblems}
            onChange={(when) => onUpdate({ when }, "when")}
          />
        </Section>
        <Section title="Matrix">
          <MatrixEditor key={task.name} matrix={task.matrix} failFast={task.failFast} problems={matrixProblems} onChange={onMatrix} />
        </Section>
        <Section title="Results">
          <ResultsEditor
            results={task.results ?? []}
            fromTemplate={template?.results ?? []}
            problems={resultProblems}
            onChange={(results) => onUpdate({ results }, "results")}
          />
        </Section>
        <Section title="Test reports">
          <ReportsEditor
            key={task.name}
            globs={junitGlobs(task.reports)}
            problems={reportProblems}
            onChange={(junit) => onUpdate({ junit }, "reports")}
          />
        </Section>
        <Section title="Environment">
          <EnvEditor
            key={task.name}
            env={env}
            suggestions={options.plain}
            problems={envProblems}
            onChange={(e) => onUpdate({ env: e }, "env")}
          />
        </Section>
        <Section title="Limits">
          <div className="grid grid-cols-2 gap-3">
            <div className="flex flex-col gap-1">
              <Label htmlFor="task-timeout">Timeout (seconds)</Label>
              <Input
                id="task-timeout"
                inputMode="numeric"
                value={task.timeoutSeconds ?? ""}
                placeholder={template?.timeoutSeconds ? `${template.timeoutSeconds} (template)` : "none"}
                title="Whole seconds, or a reference known when the run starts, such as {{ params.TIMEOUT }}"
                onChange={(e) => {
                  const v = e.target.value.trim();
                  onUpdate({ timeoutSeconds: v === "" ? null : /^\d+$/.test(v) ? Number(v) : v }, "timeout");
                }}
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor="task-retries">Retries</Label>
              <Input
                id="task-retries"
                type="number"
                min={0}
                max={10}
                value={task.retries ?? 0}
                onChange={(e) => onUpdate({ retries: e.target.value === "" ? null : Number(e.target.value) }, "retries")}
              />
            </div>
          </div>
        </Section>
        <Section title="Kubernetes resources">
          <ResourcesEditor
            key={task.name}
            resources={(task.kubernetes?.resources ?? {}) as Resources}
            template={template?.resources}
            onChange={(r) => onUpdate({ resources: r }, "resources")}
          />
        </Section>
      </div>
    </ReferenceOptionsContext>
  );
}
