"use client";

import { ArrowDown, ArrowLeft, ArrowRight, ArrowUp, CircleAlert, Copy, Plus, Trash2, X } from "lucide-react";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Input, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Problem } from "@/lib/designer/problems";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc, StageDoc, StageMode, TaskDoc } from "@/lib/designer/types";
import type { SetRepository } from "@/lib/designer/operations/set-repository";
import { credentialKind, DEFAULT_GIT_USERNAME } from "@/lib/repository";
import type { UpdateTask } from "@/lib/designer/operations/update-task";
import { ParamsForm } from "./params-form";
import { TemplateIcon } from "./template-icon";

export type Move = "up" | "down" | "left" | "right";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="border-t px-4 py-3">
      <h3 className="mb-2 text-[11px] font-semibold tracking-wider text-muted uppercase">{title}</h3>
      {children}
    </section>
  );
}

function ProblemList({ problems, label }: { problems: Problem[]; label: string }) {
  if (!problems.length) return null;
  return (
    <ul aria-label={label} className="mx-4 mb-1 rounded-md border border-danger/30 bg-danger-soft/60 px-2.5 py-1.5 text-xs text-danger">
      {problems.map((p, i) => (
        <li key={i} className="flex gap-1.5 py-0.5">
          <CircleAlert className="mt-px size-3.5 shrink-0" aria-hidden />
          <span className="min-w-0 break-words">
            <span className="font-mono">{p.path}</span>: {p.message}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function TaskInspector({
  task,
  template,
  problems,
  onUpdate,
  onDuplicate,
  onDelete,
  onMove,
  onClose,
}: {
  task: TaskDoc;
  template?: PaletteTemplate;
  problems: Problem[];
  onUpdate: (patch: UpdateTask["patch"], field: string) => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onMove: (m: Move) => void;
  onClose: () => void;
}) {
  const params = (task.params ?? {}) as Record<string, unknown>;
  // Param errors show next to their fields; the rest (name, env, timeout…) up here.
  const other = problems.filter((p) => !/\.params\./.test(p.path));
  return (
    <div aria-label={`Task ${task.name} settings`} role="region">
      <header className="flex items-start gap-2.5 px-4 pt-3 pb-2">
        <span className="grid size-9 shrink-0 place-items-center rounded-md bg-accent-soft text-accent">
          <TemplateIcon icon={template?.icon} className="size-5" />
        </span>
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold">{task.name || "unnamed task"}</h2>
          <p className="truncate text-xs text-muted">{template ? template.title : `unknown template ${task.template}`}</p>
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
          <ParamsForm
            schema={template.paramsSchema}
            uiSchema={template.uiSchema}
            value={params}
            onChange={(p) => onUpdate({ params: p }, "params")}
          />
        ) : (
          <p className="text-xs text-muted">Pick an existing template in the YAML to edit params here.</p>
        )}
      </Section>
      <Section title="Environment">
        <EnvEditor key={task.name} env={(task.env ?? {}) as Record<string, string>} onChange={(env) => onUpdate({ env }, "env")} />
      </Section>
      <Section title="Limits">
        <div className="grid grid-cols-2 gap-3">
          <div className="flex flex-col gap-1">
            <Label htmlFor="task-timeout">Timeout (seconds)</Label>
            <Input
              id="task-timeout"
              type="number"
              min={1}
              value={task.timeoutSeconds ?? ""}
              placeholder={template?.timeoutSeconds ? `${template.timeoutSeconds} (template)` : "none"}
              onChange={(e) => onUpdate({ timeoutSeconds: e.target.value === "" ? null : Number(e.target.value) }, "timeout")}
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
  );
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/**
 * CPU and memory requests and limits of the task's container (Kubernetes executor only), over
 * the template's defaults, which show as placeholders. Other resources stay in the YAML.
 */
function ResourcesEditor({
  resources,
  template,
  onChange,
}: {
  resources: Resources;
  template?: Resources;
  onChange: (r: Resources) => void;
}) {
  const field = (kind: "requests" | "limits", name: "cpu" | "memory", label: string) => {
    const id = `task-${kind}-${name}`;
    const set = (v: string) => {
      const next = { ...resources[kind] };
      if (v.trim()) next[name] = v.trim();
      else delete next[name];
      onChange({ ...resources, [kind]: next });
    };
    return (
      <div className="flex flex-col gap-1">
        <Label htmlFor={id}>{label}</Label>
        <Input
          id={id}
          value={String(resources[kind]?.[name] ?? "")}
          placeholder={template?.[kind]?.[name] ? `${template[kind]![name]} (template)` : "none"}
          className="font-mono text-xs"
          onChange={(e) => set(e.target.value)}
        />
      </div>
    );
  };
  return (
    <div className="flex flex-col gap-2">
      <div className="grid grid-cols-2 gap-3">
        {field("requests", "cpu", "CPU request")}
        {field("limits", "cpu", "CPU limit")}
        {field("requests", "memory", "Memory request")}
        {field("limits", "memory", "Memory limit")}
      </div>
      <p className="text-[11px] leading-snug text-muted">Quantities such as 500m, 2 or 1Gi; used by the Kubernetes executor only.</p>
    </div>
  );
}

/** Rows keep their order and half-typed names locally; the task gets only rows with a name. */
function EnvEditor({ env, onChange }: { env: Record<string, string>; onChange: (env: Record<string, string>) => void }) {
  const [rows, setRows] = useState(() => Object.entries(env).map(([k, v]) => ({ k, v: String(v) })));
  const asRecord = (rs: { k: string; v: string }[]) => Object.fromEntries(rs.filter((r) => r.k).map((r) => [r.k, r.v]));
  // Undo or a YAML edit changed the env underneath: start over from it.
  if (JSON.stringify(asRecord(rows)) !== JSON.stringify(env)) setRows(Object.entries(env).map(([k, v]) => ({ k, v: String(v) })));
  const update = (rs: { k: string; v: string }[]) => {
    setRows(rs);
    onChange(asRecord(rs));
  };
  return (
    <div className="flex flex-col gap-1.5">
      {rows.map((r, i) => (
        <div key={i} className="flex gap-1.5">
          <Input
            aria-label={`Variable ${i + 1} name`}
            value={r.k}
            placeholder="NAME"
            className="font-mono text-xs"
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, k: e.target.value } : x)))}
          />
          <Input
            aria-label={`Variable ${i + 1} value`}
            value={r.v}
            placeholder="value"
            className="font-mono text-xs"
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, v: e.target.value } : x)))}
          />
          <Button
            size="icon"
            variant="ghost"
            aria-label={`Remove variable ${r.k || i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            <Trash2 />
          </Button>
        </div>
      ))}
      <Button size="sm" className="self-start" onClick={() => setRows([...rows, { k: "", v: "" }])}>
        <Plus /> Add variable
      </Button>
    </div>
  );
}

export function StageInspector({
  stage,
  problems,
  onRename,
  onMode,
  onDuplicate,
  onDelete,
  onMove,
  onClose,
}: {
  stage: StageDoc;
  problems: Problem[];
  onRename: (name: string) => void;
  onMode: (m: StageMode) => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onMove: (m: "left" | "right") => void;
  onClose: () => void;
}) {
  const mode = stage.mode ?? "sequential";
  return (
    <div aria-label={`Stage ${stage.name} settings`} role="region">
      <header className="flex items-center gap-2 px-4 pt-3 pb-2">
        <h2 className="min-w-0 flex-1 truncate text-sm font-semibold">Stage {stage.name}</h2>
        <Button size="icon-sm" variant="ghost" onClick={onClose} aria-label="Close stage settings">
          <X />
        </Button>
      </header>
      <div className="flex flex-wrap gap-1 px-4 pb-3">
        <Button size="icon-sm" onClick={() => onMove("left")} aria-label="Move stage left" title="Alt+←">
          <ArrowLeft />
        </Button>
        <Button size="icon-sm" onClick={() => onMove("right")} aria-label="Move stage right" title="Alt+→">
          <ArrowRight />
        </Button>
        <Button size="sm" className="ml-auto" onClick={onDuplicate} title="Ctrl+D" aria-label="Duplicate stage">
          <Copy /> Duplicate
        </Button>
        <Button size="sm" variant="danger" onClick={onDelete} title="Delete" aria-label="Delete stage">
          <Trash2 /> Delete
        </Button>
      </div>
      <ProblemList problems={problems} label="Stage problems" />
      <Section title="Stage">
        <div className="flex flex-col gap-1">
          <Label htmlFor="stage-name">Stage name</Label>
          <Input
            id="stage-name"
            value={stage.name}
            onChange={(e) => onRename(e.target.value)}
            spellCheck={false}
            className="font-mono text-xs"
          />
        </div>
        <fieldset className="mt-3">
          <legend className="mb-1 text-xs font-medium">Tasks run</legend>
          <div className="flex flex-col gap-1 text-sm">
            {(["sequential", "parallel"] as const).map((m) => (
              <label key={m} className="flex items-center gap-2">
                <input type="radio" name="stage-mode" checked={mode === m} onChange={() => onMode(m)} className="accent-[var(--accent)]" />
                {m === "sequential" ? "one after another (sequential)" : "at the same time (parallel)"}
              </label>
            ))}
          </div>
        </fieldset>
      </Section>
      <p className="px-4 pb-3 text-xs text-muted">
        {stage.tasks.length === 0
          ? "Empty: drag a template here or press Enter on one in the palette."
          : `${stage.tasks.length} task${stage.tasks.length === 1 ? "" : "s"}.`}
      </p>
    </div>
  );
}

/**
 * A private repository: the names of project secrets (never values) the clone uses, the fields
 * that fit the URL's kind. The project's Secrets tab holds the values.
 */
function RepositoryCredentialFields({
  repo,
  secretNames,
  onRepository,
}: {
  repo: PipelineDoc["repository"];
  secretNames: readonly string[];
  onRepository: (patch: NonNullable<SetRepository["patch"]>) => void;
}) {
  const kind = credentialKind(repo?.url ?? "");
  const c = repo?.credentials ?? {};
  const field = (key: "secret" | "username" | "sshKey" | "knownHosts", label: string, placeholder: string, hint: string) => (
    <div className="mt-3 flex flex-col gap-1">
      <Label htmlFor={`pipeline-repository-credentials-${key}`}>{label}</Label>
      <Input
        id={`pipeline-repository-credentials-${key}`}
        value={c[key] ?? ""}
        onChange={(e) => onRepository({ credentials: { [key]: e.target.value } })}
        // A free text input that suggests the project's secrets: a name may be added on the Secrets tab later.
        list={key === "username" ? undefined : SECRET_NAMES_LIST}
        placeholder={placeholder}
        disabled={!repo?.url}
        spellCheck={false}
        className="font-mono text-xs"
      />
      <p className="text-[11px] leading-snug text-muted">{hint}</p>
    </div>
  );
  if (!repo?.url || kind === "none") return null;
  return (
    <>
      <datalist id={SECRET_NAMES_LIST}>
        {secretNames.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {kind === "https" ? (
        <>
          {field(
            "secret",
            "Token secret",
            "none: a public repository",
            "Name of the project secret with a token or password, for a private repository.",
          )}
          {c.secret ? field("username", "User name", DEFAULT_GIT_USERNAME, "Sent with the token; GitHub and GitLab take any.") : null}
        </>
      ) : (
        <>
          {field("sshKey", "SSH key secret", "none: a public repository", "Name of the project secret with a private key (a deploy key).")}
          {c.sshKey
            ? field(
                "knownHosts",
                "Known hosts secret",
                "none: accept the host key unchecked",
                "Name of a project secret with the server's known_hosts lines.",
              )
            : null}
        </>
      )}
    </>
  );
}

const SECRET_NAMES_LIST = "pipeline-repository-secret-names";

export function PipelineInspector({
  doc,
  problems,
  onRename,
  onRepository,
  onSelectProblem,
  secretNames = [],
}: {
  doc: PipelineDoc;
  secretNames?: readonly string[];
  problems: { key: string; problem: Problem }[];
  onRename: (p: { name?: string; description?: string }) => void;
  onRepository: (patch: NonNullable<SetRepository["patch"]>) => void;
  onSelectProblem: (key: string) => void;
}) {
  const repo = doc.repository;
  const repoProblems = problems.filter((p) => p.problem.path.startsWith("repository"));
  return (
    <div aria-label="Pipeline settings" role="region">
      <header className="px-4 pt-3 pb-2">
        <h2 className="text-sm font-semibold">Pipeline</h2>
        <p className="text-xs text-muted">Select a stage or task to edit it.</p>
      </header>
      <Section title="Pipeline">
        <div className="flex flex-col gap-1">
          <Label htmlFor="pipeline-name">Name</Label>
          <Input
            id="pipeline-name"
            value={doc.name}
            onChange={(e) => onRename({ name: e.target.value })}
            spellCheck={false}
            className="font-mono text-xs"
          />
        </div>
        <div className="mt-3 flex flex-col gap-1">
          <Label htmlFor="pipeline-description">Description</Label>
          <Textarea
            id="pipeline-description"
            value={doc.description ?? ""}
            onChange={(e) => onRename({ description: e.target.value })}
            rows={3}
          />
        </div>
      </Section>
      <Section title="Repository">
        <p className="mb-2 text-xs text-muted">Cloned into the workspace before every task. Leave the URL empty to clone nothing.</p>
        <div className="flex flex-col gap-1">
          <Label htmlFor="pipeline-repository-url">Repository URL</Label>
          <Input
            id="pipeline-repository-url"
            value={repo?.url ?? ""}
            onChange={(e) => onRepository({ url: e.target.value })}
            placeholder="https://github.com/acme/web.git"
            spellCheck={false}
            className="font-mono text-xs"
          />
        </div>
        <div className="mt-3 flex flex-col gap-1">
          <Label htmlFor="pipeline-repository-revision">Revision</Label>
          <Input
            id="pipeline-repository-revision"
            value={repo?.revision ?? ""}
            onChange={(e) => onRepository({ revision: e.target.value })}
            placeholder="default branch"
            disabled={!repo}
            spellCheck={false}
            className="font-mono text-xs"
          />
          <p className="text-[11px] leading-snug text-muted">
            Branch, tag or commit; {"{{params.NAME}}"} takes a param. A push to this repository builds its own commit.
          </p>
        </div>
        <div className="mt-3 flex flex-col gap-1">
          <Label htmlFor="pipeline-repository-dir">Directory</Label>
          <Input
            id="pipeline-repository-dir"
            value={repo?.dir ?? ""}
            onChange={(e) => onRepository({ dir: e.target.value })}
            placeholder="src"
            disabled={!repo}
            spellCheck={false}
            className="font-mono text-xs"
          />
        </div>
        <RepositoryCredentialFields repo={repo} secretNames={secretNames} onRepository={onRepository} />
      </Section>
      <ProblemList problems={repoProblems.map((p) => p.problem)} label="Repository problems" />
      <Section title={problems.length ? `${problems.length} problem${problems.length === 1 ? "" : "s"}` : "Problems"}>
        {problems.length === 0 ? (
          <p className="text-xs text-st-succeeded">No problems: ready to save.</p>
        ) : (
          <ul aria-label="All problems" className="flex flex-col gap-1 text-xs">
            {problems.map(({ key, problem }, i) => (
              <li key={i}>
                <button
                  type="button"
                  onClick={() => onSelectProblem(key)}
                  className="w-full rounded px-1.5 py-1 text-left hover:bg-danger-soft"
                >
                  <span className="font-mono text-danger">{problem.path}</span>: {problem.message}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Keyboard">
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs text-muted">
          <dt className="font-mono">Arrows</dt>
          <dd>walk between stages and tasks</dd>
          <dt className="font-mono">Enter</dt>
          <dd>in the palette: add to the selected stage</dd>
          <dt className="font-mono">Delete</dt>
          <dd>delete the selected task or stage</dd>
          <dt className="font-mono">Ctrl+D</dt>
          <dd>duplicate it</dd>
          <dt className="font-mono">Alt+arrows</dt>
          <dd>move it</dd>
          <dt className="font-mono">Ctrl+Z</dt>
          <dd>undo (Ctrl+Shift+Z redo)</dd>
        </dl>
      </Section>
    </div>
  );
}
