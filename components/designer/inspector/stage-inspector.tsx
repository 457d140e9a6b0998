"use client";

import { ArrowLeft, ArrowRight, Copy, Trash2, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Problem } from "@/lib/designer/problems";
import type { StageDoc, StageMode } from "@/lib/designer/types";
import { ConditionField } from "./condition-field";
import { ProblemList, Section } from "./parts";

export function StageInspector({
  stage,
  problems,
  onRename,
  onMode,
  onWhen,
  onDuplicate,
  onDelete,
  onMove,
  onClose,
}: {
  stage: StageDoc;
  problems: Problem[];
  onRename: (name: string) => void;
  onMode: (m: StageMode) => void;
  onWhen: (when: string) => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onMove: (m: "left" | "right") => void;
  onClose: () => void;
}) {
  const mode = stage.mode ?? "sequential";
  // The condition's problems show under it; the rest up here.
  const isWhen = (p: Problem) => /^stages\[\d+\]\.when$/.test(p.path);
  return (
    <div aria-label={`Stage ${stage.name} settings`} role="region">
      <header className="flex items-center gap-2 px-4 pt-3 pb-2">
        <h2 className="min-w-0 flex-1 truncate text-sm font-semibold">Stage {stage.name}</h2>
        <Button size="icon-sm" variant="ghost" onClick={onClose} aria-label="Close stage settings">
          <X />
        </Button>
      </header>
      <div className="flex flex-wrap gap-1 px-4 pb-3">
        <Button size="icon-sm" onClick={() => onMove("left")} aria-label="Move stage left" title="Alt+←">
          <ArrowLeft />
        </Button>
        <Button size="icon-sm" onClick={() => onMove("right")} aria-label="Move stage right" title="Alt+→">
          <ArrowRight />
        </Button>
        <Button size="sm" className="ml-auto" onClick={onDuplicate} title="Ctrl+D" aria-label="Duplicate stage">
          <Copy /> Duplicate
        </Button>
        <Button size="sm" variant="danger" onClick={onDelete} title="Delete" aria-label="Delete stage">
          <Trash2 /> Delete
        </Button>
      </div>
      <ProblemList problems={problems.filter((p) => !isWhen(p))} label="Stage problems" />
      <Section title="Stage">
        <div className="flex flex-col gap-1">
          <Label htmlFor="stage-name">Stage name</Label>
          <Input
            id="stage-name"
            value={stage.name}
            onChange={(e) => onRename(e.target.value)}
            spellCheck={false}
            className="font-mono text-xs"
          />
        </div>
        <fieldset className="mt-3">
          <legend className="mb-1 text-xs font-medium">Tasks run</legend>
          <div className="flex flex-col gap-1 text-sm">
            {(["sequential", "parallel"] as const).map((m) => (
              <label key={m} className="flex items-center gap-2">
                <input type="radio" name="stage-mode" checked={mode === m} onChange={() => onMode(m)} className="accent-[var(--accent)]" />
                {m === "sequential" ? "one after another (sequential)" : "at the same time (parallel)"}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="mt-3">
          <ConditionField id="stage-when" what="stage" value={stage.when ?? ""} problems={problems.filter(isWhen)} onChange={onWhen} />
        </div>
      </Section>
      <p className="px-4 pb-3 text-xs text-muted">
        {stage.tasks.length === 0
          ? "Empty: drag a template here or press Enter on one in the palette."
          : `${stage.tasks.length} task${stage.tasks.length === 1 ? "" : "s"}.`}
      </p>
    </div>
  );
}
