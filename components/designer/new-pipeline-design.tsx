"use client";

import { ArrowRight } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { Designer } from "./designer";
import { docToYaml } from "./doc-text";

/** Where a new design starts: the name given and one empty stage for the palette's tasks. */
export const newPipelineYaml = (name: string) => docToYaml({ name, stages: [{ name: "build", tasks: [] }] });

/**
 * "New pipeline" in the designer: the name first (checked like the spec's), then an empty stage
 * and the palette; saving creates the pipeline.
 */
export function NewPipelineDesign({ templates }: { templates: PaletteTemplate[] }) {
  const [name, setName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (name !== null) return <Designer pipelineId={null} source={newPipelineYaml(name)} templates={templates} />;

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const value = String(new FormData(e.currentTarget).get("name") ?? "").trim();
    const r = PipelineSpecSchema.shape.name.safeParse(value);
    if (r.success) setName(r.data);
    else setError(r.error.issues[0]?.message ?? "not a valid name");
  };

  return (
    <form onSubmit={onSubmit} className="flex max-w-md flex-col gap-3 rounded-lg border bg-surface p-4">
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="new-pipeline-name">Pipeline name</Label>
        <Input
          id="new-pipeline-name"
          name="name"
          autoFocus
          required
          maxLength={63}
          autoComplete="off"
          spellCheck={false}
          placeholder="my-pipeline"
          className="font-mono"
          aria-invalid={error ? true : undefined}
          aria-describedby="new-pipeline-name-help"
          onChange={() => setError(null)}
        />
        <p id="new-pipeline-name-help" className={error ? "text-xs text-danger" : "text-xs text-muted"}>
          {error ? `Name ${error}` : "Lower-case letters, digits and '-'; you can change it later."}
        </p>
      </div>
      <div className="flex justify-end">
        <Button type="submit" variant="primary">
          Open the designer <ArrowRight aria-hidden />
        </Button>
      </div>
    </form>
  );
}
