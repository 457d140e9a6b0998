"use client";

import { LoaderCircle, Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import type { FieldError } from "@/lib/pipeline-spec";
import { createPipelineAction } from "@/server/actions/pipelines";
import { SpecEditor } from "./spec-editor";
import { withLines } from "./spec-errors";
import { useSpecValidation } from "./use-spec-validation";

export const STARTER_SPEC = `# A pipeline: stages run in order; tasks of a parallel stage run at the same time.
name: my-pipeline
description: What this pipeline does
params:
  - name: GREETING
    default: hello
stages:
  - name: build
    tasks:
      - name: say-hello
        template: shell
        params:
          script: |
            echo "$GREETING from my pipeline"
`;

/** A pipeline created from YAML: typed from the starter spec, or a pasted exported file (`initial` ""). */
export function NewPipelineForm({ initial = STARTER_SPEC, label }: { initial?: string; label?: string }) {
  const router = useRouter();
  const toast = useToast();
  const [text, setText] = useState(initial);
  const [server, setServer] = useState<{ text: string; errors: FieldError[] } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const local = useSpecValidation(text);
  const errors = useMemo(
    () => (!local.ok ? withLines(text, local.errors) : server && server.text === text ? server.errors : []),
    [local, server, text],
  );

  const create = () => {
    if (!local.ok || pending) return;
    start(async () => {
      const r = await createPipelineAction({ source: text });
      if (r.ok) {
        toast({ tone: "success", title: `Created ${r.data.name}` });
        router.push(`/pipelines/${r.data.id}`);
        return;
      }
      if (r.error.code === "validation_failed" && r.error.errors?.length) setServer({ text, errors: withLines(text, r.error.errors) });
      else setFailure(r.error.message);
      toast({ tone: "error", title: "Not created", description: r.error.message });
    });
  };

  return (
    <div className="flex flex-col gap-3">
      {failure && (
        <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
          {failure}
        </p>
      )}
      <SpecEditor value={text} onChange={setText} errors={errors} onSave={create} label={label} className="h-[62vh] min-h-80" />
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={() => router.back()}>
          Cancel
        </Button>
        <Button variant="primary" onClick={create} disabled={!local.ok || pending}>
          {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
          Create pipeline
        </Button>
      </div>
    </div>
  );
}
