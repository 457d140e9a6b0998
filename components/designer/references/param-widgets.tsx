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

/** A one-line string param: completions; anything else (numbers, examples lists) as rjsf draws it. */
function TextWidget(props: WidgetProps) {
  const { id, htmlName, value, readonly, disabled, autofocus, placeholder, required, onChange, onBlur, onFocus, options, schema } = props;
  const { plain } = useReferenceOptions();
  if (schema.type !== "string" || schema.examples) return <CoreTextWidget {...props} />;
  return (
    <ReferenceInput
      id={id}
      name={htmlName || id}
      className="form-control"
      value={asText(value)}
      suggestions={plain}
      readOnly={readonly}
      disabled={disabled}
      autoFocus={autofocus}
      placeholder={placeholder}
      required={required}
      spellCheck={false}
      onChange={(v) => onChange(v === "" ? options.emptyValue : v)}
      onBlur={(e) => onBlur(id, e.target.value)}
      onFocus={(e) => onFocus(id, e.target.value)}
      aria-describedby={ariaDescribedByIds(id)}
    />
  );
}

function TextareaWidget({
  id,
  htmlName,
  value,
  readonly,
  disabled,
  autofocus,
  placeholder,
  required,
  onChange,
  onBlur,
  onFocus,
  options,
}: WidgetProps) {
  const { plain } = useReferenceOptions();
  return (
    <ReferenceTextarea
      id={id}
      name={htmlName || id}
      className="form-control"
      value={asText(value)}
      suggestions={plain}
      rows={options.rows}
      readOnly={readonly}
      disabled={disabled}
      autoFocus={autofocus}
      placeholder={placeholder}
      required={required}
      spellCheck={false}
      onChange={(v) => onChange(v === "" ? options.emptyValue : v)}
      onBlur={(e) => onBlur(id, e.target.value)}
      onFocus={(e) => onFocus(id, e.target.value)}
      aria-describedby={ariaDescribedByIds(id)}
    />
  );
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
