"use client";

import { Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import type { SetMatrix } from "@/lib/designer/operations/set-matrix";
import type { TaskDoc } from "@/lib/designer/types";
import { matrixCombinations } from "@/lib/matrix";
import type { Problem } from "@/lib/designer/problems";

type MatrixDoc = NonNullable<TaskDoc["matrix"]>;
type Row = { k: string; v: string };

const rowsOf = (m: MatrixDoc | undefined): Row[] => Object.entries(m ?? {}).map(([k, vs]) => ({ k, v: vs.map(String).join(", ") }));
const valuesOf = (text: string) =>
  text
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * The task's matrix as rows `NAME = a, b, c`: rows keep their order and half-typed text locally,
 * and the task gets the rows with a name. An axis whose values read the same as before keeps them
 * as the YAML wrote them (`[18, 20]` stays numbers).
 */
export function MatrixEditor({
  matrix,
  failFast,
  problems,
  onChange,
}: {
  matrix: MatrixDoc | undefined;
  failFast: boolean | undefined;
  problems: Problem[];
  onChange: (change: Omit<SetMatrix, "type" | "task">, field: string) => void;
}) {
  const [rows, setRows] = useState(() => rowsOf(matrix));
  const asMatrix = (rs: Row[]): MatrixDoc =>
    Object.fromEntries(
      rs
        .filter((r) => r.k)
        .map((r) => {
          const values = valuesOf(r.v);
          const before = matrix?.[r.k];
          return [r.k, before && before.map(String).join("\u0000") === values.join("\u0000") ? before : values];
        }),
    );
  // Undo or a YAML edit changed the matrix underneath: start over from it.
  if (JSON.stringify(asMatrix(rows)) !== JSON.stringify(matrix ?? {})) setRows(rowsOf(matrix));
  const update = (rs: Row[]) => {
    setRows(rs);
    onChange({ matrix: asMatrix(rs) }, "axes");
  };
  const axes = Object.entries(matrix ?? {}).map(([k, vs]) => [k, vs.map(String)] as const);
  const combinations = axes.length ? matrixCombinations(Object.fromEntries(axes)).length : 0;
  return (
    <div className="flex flex-col gap-1.5">
      <p className="text-[11px] leading-snug text-muted">
        One task run per combination of the values; each gets them as environment variables and as{" "}
        <span className="font-mono">{"{{ matrix.NAME }}"}</span>.
      </p>
      {rows.map((r, i) => (
        <div key={i} className="flex items-center gap-1.5">
          <Input
            aria-label={`Axis ${i + 1} name`}
            value={r.k}
            placeholder="NAME"
            spellCheck={false}
            className="w-28 font-mono text-xs"
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, k: e.target.value } : x)))}
          />
          <span className="text-xs text-muted" aria-hidden>
            =
          </span>
          <Input
            aria-label={`Axis ${r.k || i + 1} values`}
            value={r.v}
            placeholder="18, 20"
            spellCheck={false}
            className="min-w-0 flex-1 font-mono text-xs"
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, v: e.target.value } : x)))}
          />
          <Button
            size="icon"
            variant="ghost"
            aria-label={`Remove axis ${r.k || i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            <Trash2 />
          </Button>
        </div>
      ))}
      <div className="flex items-center gap-3">
        <Button size="sm" onClick={() => setRows([...rows, { k: "", v: "" }])}>
          <Plus /> Add axis
        </Button>
        {combinations > 0 && (
          <span className="text-xs text-muted" aria-live="polite">
            {combinations === 1 ? "1 combination" : `${combinations} combinations`}
          </span>
        )}
      </div>
      {combinations > 0 && (
        <label className="flex items-center gap-2 text-xs">
          <input
            type="checkbox"
            checked={failFast ?? true}
            onChange={(e) => onChange({ failFast: e.target.checked }, "failFast")}
            className="size-4 accent-[var(--accent)]"
          />
          Fail fast: when one combination fails, skip or cancel the others
        </label>
      )}
      {problems.length > 0 && (
        <ul aria-label="Matrix problems" className="text-xs text-danger">
          {problems.map((p, i) => (
            <li key={i}>
              {p.path && <span className="font-mono">{p.path}: </span>}
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
