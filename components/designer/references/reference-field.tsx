"use client";

import {
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ChangeEvent,
  type ComponentProps,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { cn } from "@/components/ui/cn";
import { applyCompletion, completionAt, filterSuggestions, type CompletionSpot, type Suggestion } from "@/lib/designer/completions";

/** More would not help anyone pick: typing narrows the list. */
const SHOWN = 50;

type FieldElement = HTMLInputElement | HTMLTextAreaElement;

/**
 * `{{` completions for one text field, as a combobox: typing `{{` (or Ctrl+Space inside one)
 * lists the references that fit what has been typed; arrows move, Enter or Tab inserts the whole
 * `{{ ref }}`, Escape closes. The field stays an ordinary controlled input or textarea.
 */
function useReferenceCompletion<E extends FieldElement>({
  value,
  onChange,
  suggestions,
}: {
  value: string;
  onChange: (value: string) => void;
  suggestions: readonly Suggestion[];
}) {
  const listId = useId();
  const ref = useRef<E>(null);
  const [spot, setSpot] = useState<CompletionSpot | null>(null);
  const [active, setActive] = useState(0);
  // Where the caret goes once the inserted reference is back as the field's value.
  const caretAfter = useRef<number | null>(null);
  const matches = useMemo(() => (spot ? filterSuggestions(suggestions, spot.query).slice(0, SHOWN) : []), [spot, suggestions]);
  const open = matches.length > 0;
  const current = Math.min(active, matches.length - 1);
  const optionId = (i: number) => `${listId}-option-${i}`;

  useLayoutEffect(() => {
    const el = ref.current;
    const at = caretAfter.current;
    if (!el || at === null || el.value !== value) return;
    caretAfter.current = null;
    el.setSelectionRange(at, at);
  }, [value]);

  const activeId = open ? optionId(current) : undefined;
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView({ block: "nearest" });
  }, [activeId]);

  const look = (text: string, caret: number | null) => {
    setSpot(caret === null ? null : completionAt(text, caret));
    setActive(0);
  };

  const pick = (s: Suggestion) => {
    if (!spot) return;
    const next = applyCompletion(ref.current?.value ?? value, spot, s.ref);
    caretAfter.current = next.caret;
    setSpot(null);
    onChange(next.text);
  };

  const onKeyDown = (e: KeyboardEvent<E>) => {
    if (e.key === " " && e.ctrlKey) {
      e.preventDefault();
      look(e.currentTarget.value, e.currentTarget.selectionStart);
      return;
    }
    if (!open) return;
    switch (e.key) {
      case "ArrowDown":
        setActive((current + 1) % matches.length);
        break;
      case "ArrowUp":
        setActive((current - 1 + matches.length) % matches.length);
        break;
      case "Enter":
      case "Tab":
        pick(matches[current]);
        break;
      case "Escape":
        // Closes the list only: the designer's Escape (deselect) is for the canvas.
        e.stopPropagation();
        setSpot(null);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const fieldProps = {
    ref,
    value,
    onChange: (e: ChangeEvent<E>) => {
      onChange(e.target.value);
      look(e.target.value, e.target.selectionStart);
    },
    onKeyDown,
    "aria-autocomplete": "list" as const,
    "aria-activedescendant": activeId,
  };

  // Always there (hidden while closed), so the field's aria-controls names an element.
  const popup = (
    <ul
      id={listId}
      role="listbox"
      aria-label="References"
      hidden={!open}
      className="absolute inset-x-0 top-full z-30 mt-1 max-h-56 overflow-y-auto rounded-md border bg-surface py-1 text-xs shadow-lg"
    >
      {matches.map((s, i) => (
        <li
          key={s.ref}
          id={optionId(i)}
          role="option"
          aria-selected={i === current}
          // Keeps the focus (and the caret) in the field.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => pick(s)}
          className={cn("flex cursor-pointer flex-col px-2 py-1", i === current ? "bg-accent-soft" : "hover:bg-surface-2")}
        >
          <span className="font-mono break-all">{s.ref}</span> <span className="text-[11px] text-muted">{s.detail}</span>
        </li>
      ))}
    </ul>
  );

  return { fieldProps, popup, open, listId, close: () => setSpot(null) };
}

type Passed<T> = Omit<T, "value" | "onChange" | "onKeyDown" | "ref">;

function Frame({ children, popup }: { children: ReactNode; popup: ReactNode }) {
  return (
    <div className="relative">
      {children}
      {popup}
    </div>
  );
}

/** A one-line text input with `{{` completions (a combobox). */
export function ReferenceInput({
  value,
  onChange,
  suggestions,
  onBlur,
  ...rest
}: Passed<ComponentProps<"input">> & { value: string; onChange: (value: string) => void; suggestions: readonly Suggestion[] }) {
  const c = useReferenceCompletion<HTMLInputElement>({ value, onChange, suggestions });
  return (
    <Frame popup={c.popup}>
      <input
        {...rest}
        {...c.fieldProps}
        role="combobox"
        aria-expanded={c.open}
        aria-controls={c.listId}
        onBlur={(e) => {
          c.close();
          onBlur?.(e);
        }}
      />
    </Frame>
  );
}

/**
 * A textarea with `{{` completions. A textarea cannot take the combobox role, so it stays a
 * text box that names its list of options (aria-controls, aria-activedescendant).
 */
export function ReferenceTextarea({
  value,
  onChange,
  suggestions,
  onBlur,
  ...rest
}: Passed<ComponentProps<"textarea">> & { value: string; onChange: (value: string) => void; suggestions: readonly Suggestion[] }) {
  const c = useReferenceCompletion<HTMLTextAreaElement>({ value, onChange, suggestions });
  return (
    <Frame popup={c.popup}>
      <textarea
        {...rest}
        {...c.fieldProps}
        aria-controls={c.listId}
        onBlur={(e) => {
          c.close();
          onBlur?.(e);
        }}
      />
    </Frame>
  );
}
