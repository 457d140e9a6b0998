"use client";

import { CaseSensitive, ChevronDown, ChevronUp, Regex, X } from "lucide-react";
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import type { LogSearchState } from "./use-log-search";

/**
 * The log viewer's find bar: Enter / Shift+Enter step through the matches, Escape closes it.
 * `focusKey` changes when Ctrl+F is pressed again while it is open, to select the query anew.
 */
export function LogSearchBar({
  search,
  focusKey,
  held,
  onClose,
}: {
  search: LogSearchState;
  focusKey: number;
  /** Lines the viewer holds when it had to stop taking them (the search covers only those). */
  held: number | null;
  onClose: () => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const statusId = useId();
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [focusKey]);

  const { query, error, total, current } = search;
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      if (e.shiftKey) search.previous();
      else search.next();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };
  const status = error
    ? error
    : query.text === ""
      ? ""
      : total === 0
        ? "No matches"
        : current < 0
          ? `${total.toLocaleString("en")} match${total === 1 ? "" : "es"}`
          : `${(current + 1).toLocaleString("en")} of ${total.toLocaleString("en")}`;

  return (
    <div role="search" aria-label="Search in this log" className="flex flex-wrap items-center gap-1 border-b bg-surface px-3 py-1.5">
      <input
        ref={input}
        type="search"
        aria-label="Search this log"
        placeholder="Search this log"
        value={query.text}
        aria-invalid={error ? true : undefined}
        aria-describedby={statusId}
        spellCheck={false}
        onChange={(e) => search.setQuery({ text: e.target.value })}
        onKeyDown={onKeyDown}
        className="h-7 w-64 min-w-0 rounded-md border bg-surface px-2 font-mono text-xs text-foreground placeholder:text-muted focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/25 focus-visible:outline-none aria-invalid:border-danger"
      />
      <Toggle pressed={query.caseSensitive} onChange={(v) => search.setQuery({ caseSensitive: v })} label="Match case">
        <CaseSensitive />
      </Toggle>
      <Toggle pressed={query.regex} onChange={(v) => search.setQuery({ regex: v })} label="Regular expression">
        <Regex />
      </Toggle>
      <span
        id={statusId}
        aria-live="polite"
        className={cn("min-w-20 px-1 text-xs tabular-nums", error ? "text-danger" : "text-muted")}
        data-testid="log-search-count"
      >
        {status}
      </span>
      <Button
        size="icon-sm"
        variant="ghost"
        onClick={search.previous}
        disabled={total === 0}
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
      >
        <ChevronUp />
      </Button>
      <Button
        size="icon-sm"
        variant="ghost"
        onClick={search.next}
        disabled={total === 0}
        aria-label="Next match"
        title="Next match (Enter)"
      >
        <ChevronDown />
      </Button>
      <Button size="icon-sm" variant="ghost" onClick={onClose} aria-label="Close search" title="Close search (Escape)">
        <X />
      </Button>
      {held !== null && (
        <span className="basis-full text-xs text-muted">
          Searching the {held.toLocaleString("en")} lines the viewer holds; the rest are only in the raw log.
        </span>
      )}
    </div>
  );
}

function Toggle({
  pressed,
  onChange,
  label,
  children,
}: {
  pressed: boolean;
  onChange: (v: boolean) => void;
  label: string;
  children: ReactNode;
}) {
  return (
    <Button
      size="icon-sm"
      variant="ghost"
      aria-pressed={pressed}
      aria-label={label}
      title={label}
      onClick={() => onChange(!pressed)}
      className={cn(pressed && "bg-surface-2 ring-1 ring-ring")}
    >
      {children}
    </Button>
  );
}
