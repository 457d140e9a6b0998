"use client";

import "./designer.css";
import { Code2, Columns2, GitCompare, LoaderCircle, Plus, Redo2, Save, Undo2, Workflow } from "lucide-react";
import { useRouter } from "next/navigation";
import { useCallback, useDeferredValue, useEffect, useMemo, useReducer, useRef, useState, useTransition, type KeyboardEvent } from "react";
import { SpecEditor } from "@/components/pipelines/spec-editor";
import { withLines } from "@/components/pipelines/spec-errors";
import { useSpecValidation } from "@/components/pipelines/use-spec-validation";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import { apply, type Operation } from "@/lib/designer/apply";
import { canRedo, canUndo, historyReducer, initHistory } from "@/lib/designer/history";
import { carryIds, type DocIds } from "@/lib/designer/ids";
import { otherSpecIssues, problemsByNode } from "@/lib/designer/problems";
import { taskFromTemplate, type PaletteTemplate } from "@/lib/designer/task-from-template";
import type { Selection } from "@/lib/designer/to-graph";
import type { PipelineDoc, TaskRef } from "@/lib/designer/types";
import type { FieldError, PipelineSpec } from "@/lib/pipeline-spec";
import { savePipelineAction } from "@/server/actions/pipelines";
import { Canvas } from "./canvas";
import { ConflictDiff } from "./conflict-diff";
import { docToYaml, yamlToDoc } from "./doc-text";
import { Inspector } from "./inspector";
import { Palette } from "./palette";
import { paramProblems } from "./params-validator";
import type { Move } from "./selection";
import { useLeaveGuard } from "./use-leave-guard";
import { neighbour } from "@/lib/designer/navigate";
import { SegmentedControl } from "@/components/ui/segmented";
import { SaveConflictBanner, type SaveConflict } from "@/components/pipelines/save-conflict";

type View = "design" | "yaml" | "split";
/** Per pipeline, in this browser tab only (set by clicks, so the server never has an entry). */
const lastView = new Map<string, View>();

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");

function fromKey(key: string, doc: PipelineDoc): Selection {
  const [s, i] = key.split("/").map(Number);
  if (!doc.stages[s]) return null;
  return i === undefined || Number.isNaN(i)
    ? { kind: "stage", stage: s }
    : doc.stages[s].tasks[i]
      ? { kind: "task", stage: s, index: i }
      : null;
}

const nodeKey = (s: Selection) => (!s ? null : s.kind === "stage" ? String(s.stage) : `${s.stage}/${s.index}`);

/**
 * The visual designer: palette, canvas and inspector over one pipeline document, with the same
 * document as YAML. Every edit is an operation in an undoable history; saving sends the YAML
 * with the version it started from, like the Spec editor.
 */
export function Designer({
  pipelineId,
  version,
  source,
  templates,
  secretNames = [],
}: {
  pipelineId: string;
  version: number;
  source: string;
  templates: PaletteTemplate[];
  /** The project's secret names (never values), offered for the repository's credentials. */
  secretNames?: string[];
}) {
  const router = useRouter();
  const toast = useToast();
  const initial = useMemo(() => yamlToDoc(source) ?? { name: "pipeline", stages: [] }, [source]);
  const [history, dispatch] = useReducer(historyReducer, initial, initHistory);
  const doc = history.present;
  // Text the user typed stays as typed (comments and all) for the document it parsed to; other
  // documents (graph edits) are written out. Text that doesn't parse shows until the next edit,
  // undo or redo, while the canvas keeps the last document it could draw.
  const typedFor = useRef(new WeakMap<PipelineDoc, string>([[initial, source]]));
  const [broken, setBroken] = useState<{ doc: PipelineDoc; text: string } | null>(null);
  // Saving remounts the designer on the new version; the view the user picked survives that.
  const [view, setViewState] = useState<View>(() => lastView.get(pipelineId) ?? "design");
  const setView = (v: View) => {
    lastView.set(pipelineId, v);
    setViewState(v);
  };
  const showYaml = view !== "design";
  const brokenText = broken && broken.doc === doc ? broken.text : null;
  const known = typedFor.current.get(doc);
  // Writing 300 tasks as YAML takes tens of milliseconds: only while the YAML is on screen.
  const generated = useMemo(
    () => (showYaml && brokenText === null && known === undefined ? docToYaml(doc) : null),
    [showYaml, brokenText, known, doc],
  );
  const text = brokenText ?? known ?? generated ?? "";
  const currentText = () => brokenText ?? known ?? docToYaml(doc);
  const dirty = brokenText !== null ? brokenText !== source : known !== undefined ? known !== source : true;
  useLeaveGuard(dirty);

  // Stable ids per document (undo/redo finds the same ones again), carried from the last one.
  const idsFor = useRef(new WeakMap<PipelineDoc, DocIds>());
  const lastIds = useRef<{ doc: PipelineDoc; ids: DocIds } | null>(null);
  const idSeq = useRef(0);
  const ids = useMemo(() => {
    let found = idsFor.current.get(doc);
    if (!found) {
      found = carryIds(lastIds.current, doc, () => `n${++idSeq.current}`);
      idsFor.current.set(doc, found);
    }
    lastIds.current = { doc, ids: found };
    return found;
  }, [doc]);

  const [selection, setSelection] = useState<Selection>(null);
  const [server, setServer] = useState<{ doc: PipelineDoc; errors: FieldError[] } | null>(null);
  const [conflict, setConflict] = useState<SaveConflict | null>(null);
  const [theirs, setTheirs] = useState<{ version: number; text: string; spec: PipelineSpec } | null>(null);
  const [saveOpen, setSaveOpen] = useState(false);
  const [message, setMessage] = useState("");
  const [pending, start] = useTransition();
  const rootRef = useRef<HTMLDivElement>(null);
  const focusAfter = useRef(false);

  const byName = useMemo(() => new Map(templates.map((t) => [t.name, t])), [templates]);
  const checkParams = useCallback(
    (template: string, params: Record<string, unknown>) => {
      const t = byName.get(template);
      return t ? paramProblems(t.paramsSchema, params) : null;
    },
    [byName],
  );

  // Problems by node: the spec's rules, each task's params, and what the server said about this text.
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
  const local = useSpecValidation(showYaml ? text : "");
  const yamlErrors = useMemo(() => {
    if (!showYaml) return [];
    if (!local.ok) return withLines(text, local.errors);
    const params = allProblems.filter((p) => /\.params\b/.test(p.problem.path) || /\.template$/.test(p.problem.path)).map((p) => p.problem);
    return withLines(text, params);
  }, [showYaml, local, text, allProblems]);
  const valid = brokenText === null && allProblems.length === 0;

  // A selection that no longer exists (undo, YAML edit) is dropped.
  const sel: Selection = useMemo(() => {
    if (!selection) return null;
    const stage = doc.stages[selection.stage];
    if (!stage) return null;
    if (selection.kind === "task" && !stage.tasks[selection.index]) return null;
    return selection;
  }, [selection, doc]);

  const selected = sel;
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
    (t: PaletteTemplate, lane?: number, slot?: number) => {
      const task = taskFromTemplate(t);
      let stage: number;
      let index: number;
      if (lane !== undefined) {
        stage = lane;
        index = slot ?? 0;
      } else if (sel) {
        stage = sel.stage;
        index = sel.kind === "task" ? sel.index + 1 : doc.stages[sel.stage].tasks.length;
      } else {
        stage = Math.max(0, doc.stages.length - 1);
        index = doc.stages[stage]?.tasks.length ?? 0;
      }
      if (stage >= doc.stages.length) {
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

  const moveSelected = useCallback(
    (m: Move, focus = false, sel: Selection = selected) => {
      if (!sel) return;
      if (sel.kind === "stage") {
        const to = m === "left" || m === "up" ? sel.stage - 1 : sel.stage + 1;
        if (to < 0 || to >= doc.stages.length) return;
        run({ type: "moveStage", from: sel.stage, to });
        select({ kind: "stage", stage: to }, focus);
        return;
      }
      let to: TaskRef;
      if (m === "up" || m === "down") {
        const index = sel.index + (m === "up" ? -1 : 1);
        if (index < 0 || index >= doc.stages[sel.stage].tasks.length) return;
        to = { stage: sel.stage, index };
      } else {
        const stage = sel.stage + (m === "left" ? -1 : 1);
        if (stage < 0 || stage >= doc.stages.length) return;
        to = { stage, index: Math.min(sel.index, doc.stages[stage].tasks.length) };
      }
      run({ type: "moveTask", from: { stage: sel.stage, index: sel.index }, to });
      select({ kind: "task", ...to }, focus);
    },
    [sel, doc, run, select],
  );

  const duplicateSelected = useCallback(
    (focus = false, sel: Selection = selected) => {
      if (!sel) return;
      if (sel.kind === "stage") {
        run({ type: "duplicateStage", stage: sel.stage });
        select({ kind: "stage", stage: sel.stage + 1 }, focus);
      } else {
        run({ type: "duplicateTask", task: { stage: sel.stage, index: sel.index } });
        select({ kind: "task", stage: sel.stage, index: sel.index + 1 }, focus);
      }
    },
    [sel, run, select],
  );

  const deleteSelected = useCallback(
    (focus = false, sel: Selection = selected) => {
      if (!sel) return;
      if (sel.kind === "stage") {
        run({ type: "deleteStage", stage: sel.stage });
        select(null);
        return;
      }
      run({ type: "deleteTask", task: { stage: sel.stage, index: sel.index } });
      const left = doc.stages[sel.stage].tasks.length - 1;
      select(
        left > 0 ? { kind: "task", stage: sel.stage, index: Math.min(sel.index, left - 1) } : { kind: "stage", stage: sel.stage },
        focus,
      );
    },
    [sel, doc, run, select],
  );

  const onKeyDown = (e: KeyboardEvent) => {
    if (isTyping(e.target) || saveOpen) return;
    // Keys act on the focused node (Tab moves focus without clicking), else on the selected one.
    const focusedKey = (e.target as HTMLElement).dataset?.nodeKey;
    const sel = focusedKey !== undefined ? (fromKey(focusedKey, doc) ?? selected) : selected;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && key === "z") {
      e.preventDefault();
      if (e.shiftKey) redo();
      else undo();
    } else if (mod && key === "y") {
      e.preventDefault();
      redo();
    } else if (mod && key === "s") {
      e.preventDefault();
      if (dirty && valid) setSaveOpen(true);
    } else if (!sel) return;
    else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      deleteSelected(true, sel);
    } else if (mod && key === "d") {
      e.preventDefault();
      duplicateSelected(true, sel);
    } else if (e.altKey && e.key.startsWith("Arrow")) {
      e.preventDefault();
      moveSelected(e.key.slice(5).toLowerCase() as Move, true, sel);
    } else if (e.key === "Escape") select(null);
    else if (e.key.startsWith("Arrow") && !mod && !e.shiftKey && (e.target as HTMLElement).closest?.(".gantry-canvas")) {
      e.preventDefault();
      const next = neighbour(doc, sel, e.key.slice(5).toLowerCase() as Move);
      if (next) select(next, true);
    }
  };

  const onYaml = (t: string) => {
    const next = yamlToDoc(t);
    if (next) {
      typedFor.current.set(next, t);
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

  const showTheirs = async (n: number) => {
    const res = await fetch(`/api/v1/pipelines/${pipelineId}/versions/${n}`);
    const v = await res.json().catch(() => null);
    if (!res.ok || !v) {
      toast({ tone: "error", title: `Could not load version ${n}`, description: v?.error?.message ?? res.statusText });
      return;
    }
    setTheirs({ version: n, text: v.source ?? docToYaml(v.spec), spec: v.spec });
  };

  const save = (baseVersion: number) =>
    start(async () => {
      const source = currentText();
      const r = await savePipelineAction({ pipelineId, source, message, baseVersion });
      setSaveOpen(false);
      if (r.ok) {
        setConflict(null);
        toast({ tone: "success", title: `Saved version ${r.data.version}` });
        router.refresh();
        return;
      }
      const e = r.error;
      if (e.code === "conflict" && typeof e.details?.currentVersion === "number")
        setConflict({ message: e.message, currentVersion: e.details.currentVersion });
      else if (e.code === "validation_failed" && e.errors?.length) {
        setServer({ doc, errors: e.errors });
        toast({ tone: "error", title: "Not saved: the pipeline has problems", description: e.message });
      } else toast({ tone: "error", title: "Not saved", description: e.message });
    });

  const target = sel
    ? `stage ${doc.stages[sel.stage].name}`
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
      onSave={() => dirty && valid && setSaveOpen(true)}
      label="Pipeline YAML"
      className="h-full min-h-0 p-2"
    />
  );

  return (
    <div ref={rootRef} onKeyDown={onKeyDown} className="flex flex-col gap-2">
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
          <span>Version {version}</span>
          {dirty && <span className="rounded bg-st-waiting/15 px-1.5 py-0.5 text-st-waiting">unsaved changes</span>}
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
        <Button
          variant="primary"
          disabled={!dirty || !valid || pending}
          title={!valid ? "Fix the problems first" : !dirty ? "Nothing to save" : "Save a new version (Ctrl+S)"}
          onClick={() => setSaveOpen(true)}
        >
          {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Save aria-hidden />}
          Save…
        </Button>
      </div>

      {conflict && (
        <SaveConflictBanner conflict={conflict} pipelineId={pipelineId} kept="design" onSaveOnTop={save} onDiscard={() => router.refresh()}>
          <Button size="sm" variant="ghost" onClick={() => showTheirs(conflict.currentVersion!)}>
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
                secretNames={secretNames}
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

      <Dialog open={theirs !== null} onOpenChange={(o) => !o && setTheirs(null)}>
        {theirs && (
          <DialogContent
            title={`Version ${theirs.version} and your design`}
            className="top-[6vh] max-h-[88vh] w-[min(72rem,calc(100vw-2rem))]"
          >
            <ConflictDiff theirs={theirs} mine={{ text: currentText(), doc }} templates={byName} />
          </DialogContent>
        )}
      </Dialog>

      <Dialog open={saveOpen} onOpenChange={setSaveOpen}>
        <DialogContent
          title="Save a new version"
          description={`Saves on top of version ${version}. The message shows in the version history.`}
        >
          <form
            className="flex flex-col gap-3 p-4"
            onSubmit={(e) => {
              e.preventDefault();
              save(version);
            }}
          >
            <div className="flex flex-col gap-1">
              <Label htmlFor="designer-save-message">Change message</Label>
              <Input
                id="designer-save-message"
                autoFocus
                value={message}
                onChange={(e) => setMessage(e.target.value)}
                maxLength={500}
                placeholder="What changed"
              />
            </div>
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => setSaveOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={pending}>
                {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Save aria-hidden />}
                Save version
              </Button>
            </div>
          </form>
        </DialogContent>
      </Dialog>
    </div>
  );
}
