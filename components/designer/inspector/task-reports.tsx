"use client";

import { useState } from "react";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Problem } from "@/lib/designer/problems";

/**
 * The task's JUnit report paths (`reports.junit`): globs relative to the workspace, separated by
 * spaces (a glob has none). The text is the field's own while typing, so a trailing space
 * before the next glob is not taken away.
 */
export function ReportsEditor({
  globs,
  problems,
  onChange,
}: {
  globs: readonly string[];
  /** Problems under `reports` (`.junit[1]`, `.junit`). */
  problems: readonly Problem[];
  onChange: (globs: string[]) => void;
}) {
  const [text, setText] = useState(globs.join(" "));
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor="task-junit">JUnit report paths</Label>
      <Input
        id="task-junit"
        value={text}
        placeholder="reports/*.xml"
        spellCheck={false}
        className="font-mono text-xs"
        aria-invalid={problems.length > 0}
        aria-describedby={problems.length ? "task-junit-problems" : undefined}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value.split(/\s+/).filter(Boolean));
        }}
      />
      {problems.length > 0 && (
        <ul id="task-junit-problems" className="text-xs text-danger">
          {problems.map((p, k) => (
            <li key={k}>{p.message}</li>
          ))}
        </ul>
      )}
      <p className="text-[11px] leading-snug text-muted">
        Files the task&apos;s test tool writes into the workspace, read when the task ends: the run page lists their failed tests, the
        pipeline&apos;s analytics their history. <span className="font-mono">*</span> matches within one directory.
      </p>
    </div>
  );
}
