"use client";

import "./designer.css";
import { Code2, Columns2, GitCompare, GitPullRequest, LoaderCircle, Plus, Redo2, Save, Undo2, Workflow } from "lucide-react";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { ProposedChange } from "@/components/pipelines/proposed-change";
import { SaveConflictBanner } from "@/components/pipelines/save-conflict";
import { LazySpecEditor as SpecEditor } from "@/components/pipelines/lazy-spec-editor";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SegmentedControl } from "@/components/ui/segmented";
import { apply, type Operation } from "@/lib/designer/apply";
import { canRedo, canUndo, historyReducer, initHistory } from "@/lib/designer/history";
import { neighbour } from "@/lib/designer/navigate";
import { placeBeside, tasksIn } from "@/lib/designer/places";
import { taskFromTemplate, type PaletteTemplate } from "@/lib/designer/task-from-template";
import type { Selection } from "@/lib/designer/to-graph";
import type { PipelineDoc, TaskPlace, TaskRef } from "@/lib/designer/types";
import { Canvas } from "./canvas";
import { ConflictDiff } from "./conflict-diff";
import { docToYaml, yamlToDoc } from "./doc-text";
import { Inspector } from "./inspector";
import { handleDesignerKey, type DesignerKeyActions } from "./keymap";
import { Palette } from "./palette";
import { nodeKey, type Move } from "./selection";
import { useDesignerProblems } from "./use-designer-problems";
import { useDesignerSave } from "./use-designer-save";
import { useDocIds } from "./use-doc-ids";

type View = "design" | "yaml" | "split";
/** Per pipeline, in this browser tab only (set by clicks, so the server never has an entry). */
const lastView = new Map<string, View>();

/**
 * The visual designer: palette, canvas and inspector over one pipeline document, with the same
 * document as YAML. Every edit is an operation in an undoable history; saving sends the YAML
 * with the version it started from, like the Spec editor.
 */
export function Designer({
  pipelineId,
  version,
  source,
  initialDoc,
  repositoryFile,
  templates,
  secretNames,
  secretsHref = null,
}: {
  /** Null: a new pipeline (the New pipeline page), created by saving. */
  pipelineId: string | null;
  /** The saved version the design starts from; none for a new pipeline. */
  version?: number;
  source: string;
  /** `yamlToDoc(source)`, when the server has parsed it already (undefined: parsed here). */
  initialDoc?: PipelineDoc | null;
  /** The pipeline file of a pipeline kept in its repository: saving proposes the change as a pull request. */
  repositoryFile?: string;
  templates: PaletteTemplate[];
  /**
   * The project's secret names (never values): offered for the repository's credentials and secret
   * params, and references to other secrets are marked. Unknown (undefined): not checked.
   */
  secretNames?: string[];
  /** Where the project's secrets are created. */
  secretsHref?: string | null;
}) {
  const initial = useMemo(
    () => (initialDoc === undefined ? yamlToDoc(source) : initialDoc) ?? { name: "pipeline", stages: [] },
    [initialDoc, source],
  );
  const [history, dispatch] = useReducer(historyReducer, initial, initHistory);
  const doc = history.present;
  // Text the user typed stays as typed (comments and all) for the document it parsed to; other
  // documents (graph edits) are written out. Text that doesn't parse shows until the next edit,
  // undo or redo, while the canvas keeps the last document it could draw. The table is filled in
  // as the user types and never replaced: state only for its identity.
  const [typedFor] = useState(() => new WeakMap<PipelineDoc, string>([[initial, source]]));
  const [broken, setBroken] = useState<{ doc: PipelineDoc; text: string } | null>(null);
  // Saving remounts the designer on the new version; the view the user picked survives that.
  const viewKey = pipelineId ?? "new";
  const [view, setViewState] = useState<View>(() => lastView.get(viewKey) ?? "design");
  const setView = (v: View) => {
    lastView.set(viewKey, v);
    setViewState(v);
  };
  const showYaml = view !== "design";
  const brokenText = broken && broken.doc === doc ? broken.text : null;
  const known = typedFor.get(doc);
  // Writing 300 tasks as YAML takes tens of milliseconds: only while the YAML is on screen.
  const generated = useMemo(
    () => (showYaml && brokenText === null && known === undefined ? docToYaml(doc) : null),
    [showYaml, brokenText, known, doc],
  );
  const text = brokenText ?? known ?? generated ?? "";
  const currentText = () => brokenText ?? known ?? docToYaml(doc);

  const ids = useDocIds(doc);
  const [selection, setSelection] = useState<Selection>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const focusAfter = useRef(false);

  const byName = useMemo(() => new Map(templates.map((t) => [t.name, t])), [templates]);
  const { problems, badgeErrors, allProblems, yamlErrors, showServerErrors } = useDesignerProblems({
    doc,
    templates: byName,
    secretNames: secretNames ?? null,
    yaml: showYaml ? text : null,
  });
  const valid = brokenText === null && allProblems.length === 0;
  const saving = useDesignerSave({
    pipelineId,
    source,
    repositoryFile,
    doc,
    typedText: brokenText ?? known,
    currentText,
    valid,
    onRefused: showServerErrors,
  });

  // A selection that no longer exists (undo, YAML edit) is dropped.
  const sel: Selection = useMemo(() => {
    if (!selection) return null;
    if (selection.kind === "stage") return doc.stages[selection.stage] ? selection : null;
    return tasksIn(doc, selection.stage)[selection.index] ? selection : null;
  }, [selection, doc]);

  const run = useCallback((op: Operation, coalesceKey?: string) => dispatch({ type: "apply", op, coalesceKey }), []);
  const select = useCallback((s: Selection, focus = false) => {
    focusAfter.current = focus;
    setSelection(s);
  }, []);

  useEffect(() => {
    if (!focusAfter.current) return;
    focusAfter.current = false;
    const key = nodeKey(sel);
    if (!key) return;
    // xyflow renders a new node a frame or two after the document changes.
    let frame = 0;
    let tries = 0;
    const tryFocus = () => {
      const el = rootRef.current?.querySelector<HTMLElement>(`[data-node-key="${key}"]`);
      if (el) el.focus();
      else if (tries++ < 20) frame = requestAnimationFrame(tryFocus);
    };
    tryFocus();
    return () => cancelAnimationFrame(frame);
  }, [sel, doc]);

  const addTemplate = useCallback(
    (t: PaletteTemplate, lane?: TaskPlace, slot?: number) => {
      const task = taskFromTemplate(t);
      let stage: TaskPlace;
      let index: number;
      if (lane !== undefined) {
        stage = lane;
        index = slot ?? 0;
      } else if (sel) {
        stage = sel.stage;
        index = sel.kind === "task" ? sel.index + 1 : tasksIn(doc, sel.stage).length;
      } else {
        stage = Math.max(0, doc.stages.length - 1);
        index = doc.stages[stage]?.tasks.length ?? 0;
      }
      if (stage !== "finally" && stage >= doc.stages.length) {
        // A drop past the last lane: a new stage holding the task, as one undoable edit.
        const withStage = apply(doc, { type: "addStage", name: t.category === "general" ? "stage" : t.category });
        stage = withStage.stages.length - 1;
        index = 0;
        run({ type: "replace", doc: apply(withStage, { type: "addTask", stage, index, task }) });
      } else run({ type: "addTask", stage, index, task });
      select({ kind: "task", stage, index });
    },
    [doc, sel, run, select],
  );

  // Stage and task edits act on `node`: the selected one, or for a key press the focused one.
  const moveSelected = useCallback(
    (m: Move, focus = false, node: Selection = sel) => {
      if (!node) return;
      if (node.kind === "stage") {
        const to = m === "left" || m === "up" ? node.stage - 1 : node.stage + 1;
        if (to < 0 || to >= doc.stages.length) return;
        run({ type: "moveStage", from: node.stage, to });
        select({ kind: "stage", stage: to }, focus);
        return;
      }
      let to: TaskRef;
      if (m === "up" || m === "down") {
        const index = node.index + (m === "up" ? -1 : 1);
        if (index < 0 || index >= tasksIn(doc, node.stage).length) return;
        to = { stage: node.stage, index };
      } else {
        // Past the last stage, a task moves into `finally`, and back.
        const stage = placeBeside(doc, node.stage, m);
        if (stage === null) return;
        to = { stage, index: Math.min(node.index, tasksIn(doc, stage).length) };
      }
      run({ type: "moveTask", from: { stage: node.stage, index: node.index }, to });
      select({ kind: "task", ...to }, focus);
    },
    [sel, doc, run, select],
  );

  const duplicateSelected = useCallback(
    (focus = false, node: Selection = sel) => {
      if (!node) return;
      if (node.kind === "stage") {
        run({ type: "duplicateStage", stage: node.stage });
        select({ kind: "stage", stage: node.stage + 1 }, focus);
      } else {
        run({ type: "duplicateTask", task: { stage: node.stage, index: node.index } });
        select({ kind: "task", stage: node.stage, index: node.index + 1 }, focus);
      }
    },
    [sel, run, select],
  );

  const deleteSelected = useCallback(
    (focus = false, node: Selection = sel) => {
      if (!node) return;
      if (node.kind === "stage") {
        run({ type: "deleteStage", stage: node.stage });
        select(null);
        return;
      }
      run({ type: "deleteTask", task: { stage: node.stage, index: node.index } });
      const left = tasksIn(doc, node.stage).length - 1;
      select(
        left > 0
          ? { kind: "task", stage: node.stage, index: Math.min(node.index, left - 1) }
          : node.stage === "finally"
            ? null
            : { kind: "stage", stage: node.stage },
        focus,
      );
    },
    [sel, doc, run, select],
  );

  const onYaml = (t: string) => {
    const next = yamlToDoc(t);
    if (next) {
      typedFor.set(next, t);
      setBroken(null);
      run({ type: "replace", doc: next }, "yaml");
    } else setBroken({ doc, text: t });
  };
  const undo = () => {
    setBroken(null);
    dispatch({ type: "undo" });
  };
  const redo = () => {
    setBroken(null);
    dispatch({ type: "redo" });
  };

  const keyActions: DesignerKeyActions = {
    undo,
    redo,
    save: saving.requestSave,
    remove: (node) => deleteSelected(true, node),
    duplicate: (node) => duplicateSelected(true, node),
    move: (node, m) => moveSelected(m, true, node),
    walk: (node, m) => {
      const next = neighbour(doc, node, m);
      if (next) select(next, true);
    },
    deselect: () => select(null),
  };

  const { conflict, theirs } = saving;
  const target = sel
    ? sel.stage === "finally"
      ? "the finally tasks"
      : `stage ${doc.stages[sel.stage].name}`
    : doc.stages.length
      ? `stage ${doc.stages[doc.stages.length - 1].name}`
      : "a new stage";

  const canvas = (
    <Canvas
      label="Pipeline graph"
      doc={doc}
      templates={byName}
      errors={badgeErrors}
      selection={sel}
      ids={ids}
      onTaskClick={(stage, index) => select({ kind: "task", stage, index })}
      onStageClick={(stage) => select({ kind: "stage", stage })}
      onStageMode={(stage, mode) => run({ type: "setStageMode", stage, mode })}
      onAddStage={() => {
        run({ type: "addStage" });
        select({ kind: "stage", stage: doc.stages.length });
      }}
      onDropTemplate={(name, lane, slot) => {
        const t = byName.get(name);
        if (t) addTemplate(t, lane, slot);
      }}
      onMoveTask={(from, to) => {
        run({ type: "moveTask", from, to });
        select({ kind: "task", ...to });
      }}
      onMoveStage={(from, to) => {
        run({ type: "moveStage", from, to });
        select({ kind: "stage", stage: to });
      }}
      onPaneClick={() => select(null)}
    />
  );

  const yamlPane = (
    <SpecEditor
      value={text}
      onChange={onYaml}
      errors={yamlErrors}
      onSave={saving.requestSave}
      label="Pipeline YAML"
      className="h-full min-h-0 p-2"
    />
  );

  return (
    <div
      ref={rootRef}
      onKeyDown={(e) => handleDesignerKey(e, { doc, selected: sel, dialogOpen: saving.dialogOpen, actions: keyActions })}
      className="flex flex-col gap-2"
    >
      <div role="toolbar" aria-label="Designer" className="flex flex-wrap items-center gap-1.5">
        <Button size="icon" variant="ghost" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!canUndo(history)} onClick={undo}>
          <Undo2 />
        </Button>
        <Button size="icon" variant="ghost" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo(history)} onClick={redo}>
          <Redo2 />
        </Button>
        <span className="mx-1 h-5 w-px bg-border" aria-hidden />
        <Button
          size="sm"
          onClick={() => {
            run({ type: "addStage" });
            select({ kind: "stage", stage: doc.stages.length }, true);
          }}
        >
          <Plus /> Add stage
        </Button>
        <SegmentedControl
          label="View"
          className="ml-2"
          value={view}
          onChange={setView}
          segments={[
            { value: "design", label: "Designer", icon: Workflow },
            { value: "split", label: "Split", icon: Columns2 },
            { value: "yaml", label: "YAML", icon: Code2 },
          ]}
        />
        <div className="ml-auto flex items-center gap-2 text-xs text-muted">
          {version !== undefined && <span>Version {version}</span>}
          {saving.dirty && <span className="rounded bg-st-waiting/15 px-1.5 py-0.5 text-st-waiting">unsaved changes</span>}
          <span
            role="status"
            className={cn("rounded px-1.5 py-0.5", valid ? "bg-st-succeeded/12 text-st-succeeded" : "bg-danger-soft text-danger")}
          >
            {valid
              ? "valid"
              : brokenText !== null
                ? "the YAML does not parse"
                : `${allProblems.length} problem${allProblems.length === 1 ? "" : "s"}`}
          </span>
        </div>
        {saving.creates ? (
          <Button
            variant="primary"
            disabled={!valid || saving.pending}
            title={valid ? "Create the pipeline (Ctrl+S)" : "Fix the problems first"}
            onClick={saving.requestSave}
          >
            {saving.pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
            Create pipeline
          </Button>
        ) : (
          <Button
            variant="primary"
            disabled={!saving.dirty || !valid || saving.pending}
            title={
              !valid
                ? "Fix the problems first"
                : !saving.dirty
                  ? "Nothing to save"
                  : repositoryFile
                    ? `Commit ${repositoryFile} to a new branch and open a pull request (Ctrl+S)`
                    : "Save a new version (Ctrl+S)"
            }
            onClick={saving.requestSave}
          >
            {saving.pending ? (
              <LoaderCircle className="animate-spin" aria-hidden />
            ) : repositoryFile ? (
              <GitPullRequest aria-hidden />
            ) : (
              <Save aria-hidden />
            )}
            {repositoryFile ? "Propose change (pull request)…" : "Save…"}
          </Button>
        )}
      </div>

      {saving.proposed && <ProposedChange proposed={saving.proposed} />}

      {conflict && pipelineId && (
        <SaveConflictBanner conflict={conflict} pipelineId={pipelineId} kept="design" onSaveOnTop={saving.save} onDiscard={saving.discard}>
          <Button size="sm" variant="ghost" onClick={() => saving.showTheirs(conflict.currentVersion)}>
            <GitCompare /> See the difference
          </Button>
        </SaveConflictBanner>
      )}

      <div className="h-[calc(100dvh-15rem)] min-h-[34rem] overflow-hidden rounded-lg border bg-surface">
        {view === "yaml" ? (
          yamlPane
        ) : view === "split" ? (
          <div className="grid h-full grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
            <div className="min-h-0 border-r bg-background">{canvas}</div>
            <div className="min-h-0">{yamlPane}</div>
          </div>
        ) : (
          <div className="grid h-full grid-cols-[14rem_minmax(0,1fr)_22rem]">
            <Palette templates={templates} target={target} onPick={(t) => addTemplate(t)} />
            <div className="min-h-0 bg-background">{canvas}</div>
            <aside aria-label="Inspector" className="min-h-0 overflow-y-auto border-l">
              <Inspector
                doc={doc}
                selection={sel}
                ids={ids}
                templates={byName}
                problems={problems}
                allProblems={allProblems}
                secretNames={secretNames ?? null}
                secretsHref={secretsHref}
                run={run}
                onSelect={select}
                onDuplicate={() => duplicateSelected()}
                onDelete={() => deleteSelected()}
                onMove={(m) => moveSelected(m)}
              />
            </aside>
          </div>
        )}
      </div>

      <Dialog open={theirs !== null} onOpenChange={(o) => !o && saving.closeTheirs()}>
        {theirs && (
          <DialogContent
            title={`Version ${theirs.version} and your design`}
            className="top-[6vh] max-h-[88vh] w-[min(72rem,calc(100vw-2rem))]"
          >
            <ConflictDiff theirs={theirs} mine={{ text: currentText(), doc }} templates={byName} />
          </DialogContent>
        )}
      </Dialog>

      <Dialog open={saving.dialogOpen} onOpenChange={saving.setDialogOpen}>
        <DialogContent
          title={repositoryFile ? "Propose the change as a pull request" : "Save a new version"}
          description={
            repositoryFile
              ? `Commits ${repositoryFile} to a new branch, comments and layout kept, and opens a pull request on the forge. The title names the change.`
              : `Saves on top of version ${version}. The message shows in the version history.`
          }
        >
          <form
            className="flex flex-col gap-3 p-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (version !== undefined) saving.save(version);
            }}
          >
            <div className="flex flex-col gap-1">
              <Label htmlFor="designer-save-message">{repositoryFile ? "Pull request title" : "Change message"}</Label>
              <Input
                id="designer-save-message"
                autoFocus
                value={saving.message}
                onChange={(e) => saving.setMessage(e.target.value)}
                maxLength={500}
                placeholder="What changed"
              />
            </div>
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => saving.setDialogOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={saving.pending}>
                {saving.pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Save aria-hidden />}
                {repositoryFile ? "Open pull request" : "Save version"}
              </Button>
            </div>
          </form>
        </DialogContent>
      </Dialog>
    </div>
  );
}
