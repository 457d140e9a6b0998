"use client";

import { yaml } from "@codemirror/lang-yaml";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorSelection } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import CodeMirror from "@uiw/react-codemirror";
import { CircleAlert, CircleCheck } from "lucide-react";
import { useEffect, useMemo, useRef } from "react";
import { cn } from "@/components/ui/cn";
import type { FieldError } from "@/lib/pipeline-spec";
import { describeError } from "./spec-errors";

/** YAML colours from the theme tokens, readable in light and dark. */
const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "var(--ansi-4)" },
  { tag: [t.string, t.special(t.string)], color: "var(--ansi-2)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--ansi-5)" },
  { tag: [t.comment, t.lineComment], color: "var(--muted)", fontStyle: "italic" },
  { tag: [t.keyword, t.typeName, t.labelName], color: "var(--ansi-6)" },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: "var(--muted)" },
]);

export interface SpecEditorProps {
  value: string;
  onChange?: (text: string) => void;
  readOnly?: boolean;
  /** Problems to mark in the gutter and list under the editor. */
  errors?: FieldError[];
  /** Ctrl/Cmd+S. */
  onSave?: () => void;
  label?: string;
  className?: string;
}

/** The pipeline spec in CodeMirror, with validation messages that point at lines. */
export function SpecEditor({ value, onChange, readOnly, errors = [], onSave, label = "Pipeline spec (YAML)", className }: SpecEditorProps) {
  const viewRef = useRef<EditorView | null>(null);
  const saveRef = useRef(onSave);
  useEffect(() => {
    saveRef.current = onSave;
  }, [onSave]);

  // Stable identity: @uiw/react-codemirror reconfigures the editor whenever this array changes.
  const extensions = useMemo(
    () => [
      yaml(),
      syntaxHighlighting(highlight),
      lintGutter(),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ "aria-label": label }),
      // eslint-disable-next-line react-hooks/refs -- CodeMirror calls `run` on a key press, never while rendering; the ref keeps the latest onSave without rebuilding the editor
      keymap.of([
        {
          key: "Mod-s",
          preventDefault: true,
          run: () => {
            saveRef.current?.();
            return true;
          },
        },
      ]),
    ],
    [label],
  );

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    view.dispatch(setDiagnostics(view.state, toDiagnostics(view, errors)));
  }, [errors]);

  const goTo = (line: number) => {
    const view = viewRef.current;
    if (!view) return;
    const l = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
    view.dispatch({ selection: EditorSelection.cursor(l.from), effects: EditorView.scrollIntoView(l.from, { y: "center" }) });
    view.focus();
  };

  return (
    <div className={cn("flex min-h-0 flex-col", className)}>
      <div className="min-h-0 flex-1 overflow-hidden rounded-md border">
        <CodeMirror
          value={value}
          onChange={onChange}
          readOnly={readOnly}
          editable={!readOnly}
          theme="none"
          className="cm-theme h-full"
          height="100%"
          extensions={extensions}
          basicSetup={{ foldGutter: true, highlightActiveLine: !readOnly, highlightActiveLineGutter: !readOnly, autocompletion: false }}
          onCreateEditor={(view) => {
            viewRef.current = view;
            if (errors.length) view.dispatch(setDiagnostics(view.state, toDiagnostics(view, errors)));
          }}
        />
      </div>
      {!readOnly && <Problems errors={errors} onGoTo={goTo} />}
    </div>
  );
}

function Problems({ errors, onGoTo }: { errors: FieldError[]; onGoTo: (line: number) => void }) {
  if (errors.length === 0)
    return (
      <p className="mt-2 flex items-center gap-1.5 text-xs text-st-succeeded" role="status">
        <CircleCheck className="size-3.5" aria-hidden /> The spec is valid.
      </p>
    );
  return (
    <div className="mt-2 rounded-md border border-danger/30 bg-danger-soft/50" role="status">
      <p className="flex items-center gap-1.5 px-3 pt-2 text-xs font-medium text-danger">
        <CircleAlert className="size-3.5" aria-hidden />
        {errors.length === 1 ? "1 problem" : `${errors.length} problems`}
      </p>
      <ul aria-label="Problems" className="max-h-40 overflow-y-auto px-1 py-1 text-xs">
        {errors.map((e, i) => {
          const line = e.line;
          return (
            <li key={i} className="flex items-baseline gap-2 rounded px-2 py-0.5">
              {line !== undefined ? (
                <button
                  type="button"
                  onClick={() => onGoTo(line)}
                  className="shrink-0 font-mono text-danger underline-offset-2 hover:underline"
                >
                  Line {line}
                </button>
              ) : (
                <span className="shrink-0 font-mono text-muted">—</span>
              )}
              <span className="min-w-0 break-words">{describeError(e)}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function toDiagnostics(view: EditorView, errors: FieldError[]): Diagnostic[] {
  const doc = view.state.doc;
  return errors.map((e) => {
    const l = doc.line(Math.min(Math.max(1, e.line ?? 1), doc.lines));
    return { from: l.from, to: Math.max(l.to, l.from), severity: "error", message: describeError(e) };
  });
}
