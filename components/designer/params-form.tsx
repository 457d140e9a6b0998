"use client";

import Form from "@rjsf/core";
import { getDefaultFormState, type ErrorSchema, type IconButtonProps, type RJSFSchema, type UiSchema } from "@rjsf/utils";
import { ArrowDown, ArrowUp, Copy, Plus, Trash2 } from "lucide-react";
import { useMemo } from "react";
import { cn } from "@/components/ui/cn";
import type { Problem } from "@/lib/designer/problems";
import { pathOf } from "@/lib/designer/reference-problems";
import { paramsValidator, validateTaskParams } from "./params-validator";
import { paramWidgets } from "./references/param-widgets";

/**
 * A task's params as a form generated from its template's JSON Schema (STYLE.md #11). Errors
 * show next to their fields from the start, the same ones that put a badge on the node, and so
 * do `problems` found outside the schema (references), at their params' paths.
 */
export function ParamsForm({
  schema,
  uiSchema,
  value,
  problems = NO_PROBLEMS,
  onChange,
}: {
  schema: Record<string, unknown>;
  uiSchema?: Record<string, unknown>;
  value: Record<string, unknown>;
  /** Problems of params at paths relative to them (`script`, `list[0]`). */
  problems?: readonly Problem[];
  onChange: (params: Record<string, unknown>) => void;
}) {
  const ui = useMemo(
    () => withSecretWidgets(schema, { ...(uiSchema ?? {}), "ui:submitButtonOptions": { norender: true } }),
    [schema, uiSchema],
  );
  const errorSchema = useMemo(() => withProblems(validateTaskParams(schema, value).errorSchema, problems), [schema, value, problems]);
  if (!schema.properties || Object.keys(schema.properties as object).length === 0)
    return <p className="text-xs text-muted">This template takes no params.</p>;
  return (
    <Form
      className="gantry-form"
      schema={schema as RJSFSchema}
      uiSchema={ui}
      formData={value}
      validator={paramsValidator}
      widgets={paramWidgets}
      extraErrors={errorSchema}
      showErrorList={false}
      noHtml5Validate
      templates={{ ButtonTemplates: { AddButton, RemoveButton, MoveUpButton, MoveDownButton, CopyButton } }}
      onChange={(e) => {
        const next = (e.formData ?? {}) as Record<string, unknown>;
        // rjsf reports the schema defaults it filled in as a change; only the user's edits count.
        if (JSON.stringify(next) === JSON.stringify(getDefaultFormState(paramsValidator, schema as RJSFSchema, value))) return;
        onChange(next);
      }}
    />
  );
}

const NO_PROBLEMS: readonly Problem[] = [];

/** rjsf's error schema with each problem added at its field (`{script: {__errors: [...]}}`). */
function withProblems(errorSchema: ErrorSchema, problems: readonly Problem[]): ErrorSchema {
  if (!problems.length) return errorSchema;
  const out: Record<string, unknown> = structuredClone(errorSchema);
  for (const p of problems) {
    let node = out;
    for (const key of pathOf(p.path)) {
      const k = String(key);
      node[k] ??= {};
      node = node[k] as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), p.message];
  }
  return out as ErrorSchema;
}

type Ui = Record<string, unknown>;

/**
 * A param its template marks `secret: true` is picked from the project's secrets (it takes only a
 * secret reference), whatever widget the uiSchema names; a nested one or one of `format: password`
 * gets a password input unless the uiSchema says otherwise.
 */
export function withSecretWidgets(schema: Record<string, unknown>, ui: Ui, top = true): UiSchema {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const out: Ui = { ...ui };
  for (const [key, p] of Object.entries(props)) {
    if (!p || typeof p !== "object") continue;
    const own = { ...((ui[key] as Ui | undefined) ?? {}) };
    if (top && p.secret === true) own["ui:widget"] = "secretRef";
    else if ((p.secret === true || p.format === "password") && !own["ui:widget"]) own["ui:widget"] = "password";
    if (p.type === "object") Object.assign(own, withSecretWidgets(p, own, false));
    if (Object.keys(own).length) out[key] = own;
  }
  return out as UiSchema;
}

function IconBtn({
  label,
  icon: Icon,
  className,
  onClick,
  disabled,
  danger,
}: {
  label: string;
  icon: typeof Plus;
  className?: string;
  onClick?: IconButtonProps["onClick"];
  disabled?: boolean;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={onClick}
      className={cn(
        "inline-grid size-7 place-items-center rounded-md border bg-surface text-muted hover:bg-surface-2 hover:text-foreground disabled:opacity-40",
        danger && "hover:text-danger",
        className,
      )}
    >
      <Icon className="size-3.5" aria-hidden />
    </button>
  );
}

function AddButton({ onClick, disabled }: IconButtonProps) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled}
      className="inline-flex h-7 items-center gap-1 rounded-md border bg-surface px-2 text-xs hover:bg-surface-2"
    >
      <Plus className="size-3.5" aria-hidden /> Add item
    </button>
  );
}
const RemoveButton = (p: IconButtonProps) => <IconBtn label="Remove item" icon={Trash2} onClick={p.onClick} disabled={p.disabled} danger />;
const MoveUpButton = (p: IconButtonProps) => <IconBtn label="Move item up" icon={ArrowUp} onClick={p.onClick} disabled={p.disabled} />;
const MoveDownButton = (p: IconButtonProps) => (
  <IconBtn label="Move item down" icon={ArrowDown} onClick={p.onClick} disabled={p.disabled} />
);
const CopyButton = (p: IconButtonProps) => <IconBtn label="Copy item" icon={Copy} onClick={p.onClick} disabled={p.disabled} />;
