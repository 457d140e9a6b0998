"use client";

import { Input, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Problem } from "@/lib/designer/problems";
import type { SetRepository } from "@/lib/designer/operations/set-repository";
import type { PipelineDoc } from "@/lib/designer/types";
import { ProblemList, Section } from "./parts";
import { RepositoryCredentialFields } from "./repository-credentials";

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
