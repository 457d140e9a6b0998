"use client";

import { useId } from "react";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Problem } from "@/lib/designer/problems";

/**
 * A task's or stage's `when`: a CEL condition, checked as it is typed like every other field
 * (syntax, types, and tasks that end before it), its problems shown under it.
 */
export function ConditionField({
  id,
  value,
  problems,
  what,
  onChange,
}: {
  id: string;
  value: string;
  problems: readonly Problem[];
  /** "task" or "stage": what a false condition skips. */
  what: "task" | "stage";
  onChange: (when: string) => void;
}) {
  const hintId = useId();
  const errorId = useId();
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor={id}>Run only when</Label>
      <Input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder='git.branch == "main"'
        spellCheck={false}
        autoComplete="off"
        aria-invalid={problems.length > 0}
        aria-describedby={problems.length ? `${errorId} ${hintId}` : hintId}
        className="font-mono text-xs"
      />
      {problems.length > 0 && (
        <ul id={errorId} className="text-xs text-danger">
          {problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      )}
      <p id={hintId} className="text-[11px] leading-snug text-muted">
        A CEL condition over params, git, event, run and earlier tasks (
        <span className="font-mono">tasks.build.status == &quot;succeeded&quot;</span>); when it is false the{" "}
        {what === "stage" ? "stage's tasks are" : "task is"} skipped. Empty: always.
      </p>
    </div>
  );
}
