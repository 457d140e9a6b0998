"use client";

import { Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Input, inputClass } from "@/components/ui/input";
import type { Suggestion } from "@/lib/designer/completions";
import { ReferenceInput } from "../references/reference-field";

/**
 * Rows keep their order and half-typed names locally; the task gets only rows with a name. Values
 * complete `{{` references; a value's problems (an unknown reference) show under its row.
 */
export function EnvEditor({
  env,
  suggestions,
  problems = {},
  onChange,
}: {
  env: Record<string, string>;
  suggestions: readonly Suggestion[];
  /** Messages by variable name. */
  problems?: Readonly<Record<string, readonly string[]>>;
  onChange: (env: Record<string, string>) => void;
}) {
  const [rows, setRows] = useState(() => Object.entries(env).map(([k, v]) => ({ k, v: String(v) })));
  const asRecord = (rs: { k: string; v: string }[]) => Object.fromEntries(rs.filter((r) => r.k).map((r) => [r.k, r.v]));
  // Undo or a YAML edit changed the env underneath: start over from it.
  if (JSON.stringify(asRecord(rows)) !== JSON.stringify(env)) setRows(Object.entries(env).map(([k, v]) => ({ k, v: String(v) })));
  const update = (rs: { k: string; v: string }[]) => {
    setRows(rs);
    onChange(asRecord(rs));
  };
  return (
    <div className="flex flex-col gap-1.5">
      {rows.map((r, i) => {
        const errs = (r.k && problems[r.k]) || [];
        const errorId = `task-env-${i}-problems`;
        return (
          <div key={i} className="flex flex-col gap-0.5">
            <div className="flex gap-1.5">
              <Input
                aria-label={`Variable ${i + 1} name`}
                value={r.k}
                placeholder="NAME"
                className="font-mono text-xs"
                onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, k: e.target.value } : x)))}
              />
              <div className="min-w-0 flex-1">
                <ReferenceInput
                  aria-label={`Variable ${i + 1} value`}
                  value={r.v}
                  suggestions={suggestions}
                  placeholder="value"
                  spellCheck={false}
                  autoComplete="off"
                  aria-invalid={errs.length > 0}
                  aria-describedby={errs.length ? errorId : undefined}
                  className={cn(inputClass, "font-mono text-xs")}
                  onChange={(v) => update(rows.map((x, j) => (j === i ? { ...x, v } : x)))}
                />
              </div>
              <Button
                size="icon"
                variant="ghost"
                aria-label={`Remove variable ${r.k || i + 1}`}
                onClick={() => update(rows.filter((_, j) => j !== i))}
              >
                <Trash2 />
              </Button>
            </div>
            {errs.length > 0 && (
              <ul id={errorId} className="text-xs text-danger">
                {errs.map((m, k) => (
                  <li key={k}>{m}</li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
      <Button size="sm" className="self-start" onClick={() => setRows([...rows, { k: "", v: "" }])}>
        <Plus /> Add variable
      </Button>
    </div>
  );
}
