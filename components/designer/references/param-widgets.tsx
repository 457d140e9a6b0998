"use client";

import { getDefaultRegistry } from "@rjsf/core";
import { ariaDescribedByIds, type RegistryWidgetsType, type WidgetProps } from "@rjsf/utils";
import { useReferenceOptions } from "./reference-context";
import { ReferenceInput, ReferenceTextarea } from "./reference-field";

/**
 * The task params form's text widgets with `{{` completions, and the picker that secret params
 * get instead of a text field (registered by name: `ui:widget: secretRef`).
 */

const asText = (v: unknown) => (v == null ? "" : String(v));

/** rjsf's own text widget, for what is not free text. */
const CoreTextWidget = getDefaultRegistry().widgets.TextWidget;

/** What both free-text widgets hand their field: rjsf's props as the input's, with the completions. */
function fieldProps(p: WidgetProps, suggestions: ReturnType<typeof useReferenceOptions>["plain"]) {
  return {
    id: p.id,
    name: p.htmlName || p.id,
    className: "form-control",
    value: asText(p.value),
    suggestions,
    readOnly: p.readonly,
    disabled: p.disabled,
    autoFocus: p.autofocus,
    placeholder: p.placeholder,
    required: p.required,
    spellCheck: false,
    onChange: (v: string) => p.onChange(v === "" ? p.options.emptyValue : v),
    onBlur: (e: { target: { value: string } }) => p.onBlur(p.id, e.target.value),
    onFocus: (e: { target: { value: string } }) => p.onFocus(p.id, e.target.value),
    "aria-describedby": ariaDescribedByIds(p.id),
  };
}

/** A one-line string param: completions; anything else (numbers, examples lists) as rjsf draws it. */
function TextWidget(props: WidgetProps) {
  const { plain } = useReferenceOptions();
  if (props.schema.type !== "string" || props.schema.examples) return <CoreTextWidget {...props} />;
  return <ReferenceInput {...fieldProps(props, plain)} />;
}

function TextareaWidget(props: WidgetProps) {
  const { plain } = useReferenceOptions();
  return <ReferenceTextarea {...fieldProps(props, plain)} rows={props.options.rows} />;
}

const REF = /^\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}$/;
const TYPED = "\u0000typed";

/**
 * A param its template marks `secret: true`: a choice of the project's secrets (and secret run
 * params), written as `{{ secrets.NAME }}`; the value itself never goes into the spec. A value
 * typed into the YAML shows as such, to be replaced.
 */
function SecretRefWidget({ id, htmlName, value, disabled, readonly, required, onChange, onBlur, onFocus, options }: WidgetProps) {
  const { secret, secretsHref } = useReferenceOptions();
  const text = asText(value);
  const ref = REF.exec(text)?.[1];
  const known = ref !== undefined && secret.some((s) => s.ref === ref);
  const selected = text === "" ? "" : known ? ref : TYPED;
  const hintId = `${id}__secret-hint`;
  return (
    <>
      <select
        id={id}
        name={htmlName || id}
        className="form-control"
        value={selected}
        disabled={disabled || readonly}
        required={required}
        onChange={(e) => {
          const v = e.target.value;
          if (v !== TYPED) onChange(v === "" ? options.emptyValue : `{{ ${v} }}`);
        }}
        onBlur={() => onBlur(id, value)}
        onFocus={() => onFocus(id, value)}
        aria-describedby={`${ariaDescribedByIds(id)} ${hintId}`}
      >
        <option value="">Choose a project secret…</option>
        {selected === TYPED && (
          <option value={TYPED} disabled>
            {ref ? `{{ ${ref} }} (not a secret of this project)` : "a value typed into the spec (not allowed)"}
          </option>
        )}
        {secret.map((s) => (
          <option key={s.ref} value={s.ref}>
            {s.ref.startsWith("secrets.") ? s.ref.slice("secrets.".length) : `${s.ref} (secret run param)`}
          </option>
        ))}
      </select>
      <p id={hintId} className="help-block">
        {secret.some((s) => s.ref.startsWith("secrets.")) ? (
          "Written as {{ secrets.NAME }}: the value stays in the project's secrets."
        ) : (
          <>
            This project has no secrets yet.{" "}
            {secretsHref ? (
              <a href={secretsHref} className="underline">
                Create one on the Secrets tab
              </a>
            ) : (
              "Create one on the project's Secrets tab"
            )}
            , then pick it here.
          </>
        )}
      </p>
    </>
  );
}

export const paramWidgets: RegistryWidgetsType = { TextWidget, TextareaWidget, secretRef: SecretRefWidget };
