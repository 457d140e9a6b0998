"use client";

import { FileUp, LoaderCircle } from "lucide-react";
import { useRouter } from "next/navigation";
import { useRef, useTransition } from "react";
import { useToast } from "@/components/ui/toast";
import { buttonVariants } from "@/components/ui/button";
import { useHydrated } from "@/components/ui/use-hydrated";
import { createPipelineAction } from "@/server/actions/pipelines";

/** Creates a pipeline from an exported YAML file (same checks as the editor). */
export function ImportPipeline() {
  const router = useRouter();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [pending, start] = useTransition();
  // A file chosen before hydration would be ignored: enable the input once handlers are attached.
  const ready = useHydrated();
  const onFile = (file: File | undefined) => {
    if (!file) return;
    start(async () => {
      const source = await file.text();
      const r = await createPipelineAction({ source });
      if (input.current) input.current.value = "";
      if (r.ok) {
        toast({ tone: "success", title: `Imported ${r.data.name}` });
        router.push(`/pipelines/${r.data.id}`);
        return;
      }
      const lines = (r.error.errors ?? []).slice(0, 3).map((e) => `${e.line ? `line ${e.line}: ` : ""}${e.path} ${e.message}`);
      toast({ tone: "error", title: `Not imported: ${file.name}`, description: lines.length ? lines.join("; ") : r.error.message });
    });
  };
  return (
    <>
      <label htmlFor="import-pipeline" className={buttonVariants({ variant: "secondary" }) + " cursor-pointer"}>
        {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <FileUp aria-hidden />} Import YAML
      </label>
      <input
        ref={input}
        id="import-pipeline"
        type="file"
        accept=".yaml,.yml,application/yaml,text/yaml"
        className="sr-only"
        disabled={!ready || pending}
        onChange={(e) => onFile(e.target.files?.[0])}
      />
    </>
  );
}
