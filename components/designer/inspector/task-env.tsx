"use client";

import { Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

/** Rows keep their order and half-typed names locally; the task gets only rows with a name. */
export function EnvEditor({ env, onChange }: { env: Record<string, string>; onChange: (env: Record<string, string>) => void }) {
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
      {rows.map((r, i) => (
        <div key={i} className="flex gap-1.5">
          <Input
            aria-label={`Variable ${i + 1} name`}
            value={r.k}
            placeholder="NAME"
            className="font-mono text-xs"
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, k: e.target.value } : x)))}
          />
          <Input
            aria-label={`Variable ${i + 1} value`}
            value={r.v}
            placeholder="value"
            className="font-mono text-xs"
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, v: e.target.value } : x)))}
          />
          <Button
            size="icon"
            variant="ghost"
            aria-label={`Remove variable ${r.k || i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            <Trash2 />
          </Button>
        </div>
      ))}
      <Button size="sm" className="self-start" onClick={() => setRows([...rows, { k: "", v: "" }])}>
        <Plus /> Add variable
      </Button>
    </div>
  );
}
