"use client";

import { LoaderCircle, Save, Upload } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/input";
import { useToast } from "@/components/ui/toast";
import { useHydrated } from "@/components/ui/use-hydrated";
import type { FieldError } from "@/lib/pipeline-spec";
import { createTemplateAction, updateTemplateAction } from "@/server/actions/catalog";

/**
 * Add or edit a template as YAML (pasted or uploaded from a file). The server validates the
 * definition and its params JSON Schema; each problem is listed with its path and line.
 */
export function TemplateForm({ name, initial }: { name?: string; initial: string }) {
  const router = useRouter();
  const toast = useToast();
  const [text, setText] = useState(initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, start] = useTransition();
  // Until hydrated, typing would be lost to React's first render; the button says when it's safe.
  const ready = useHydrated();

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setText(await file.text());
    setErrors([]);
    setFailure(null);
  };

  const submit = () =>
    start(async () => {
      const r = name ? await updateTemplateAction({ name, text }) : await createTemplateAction({ text });
      if (r.ok) {
        toast({ tone: "success", title: name ? `Saved ${r.data.name} version ${r.data.version}` : `Added ${r.data.name}` });
        router.push(`/catalog/${r.data.name}`);
        router.refresh();
        return;
      }
      setErrors(r.error.errors ?? []);
      setFailure(r.error.message);
    });

  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-2">
        <Label
          htmlFor="template-file"
          className="inline-flex cursor-pointer items-center gap-1.5 rounded-md border bg-surface px-3 py-1.5 text-sm hover:bg-surface-2"
        >
          <Upload className="size-4" aria-hidden /> Upload YAML file
        </Label>
        <input
          id="template-file"
          type="file"
          accept=".yaml,.yml,application/yaml,text/yaml"
          className="sr-only"
          onChange={(e) => upload(e.target.files?.[0])}
        />
        <span className="text-xs text-muted">or paste it below</span>
      </div>
      {failure && (
        <div role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
          <p>{errors.length ? "The template has problems:" : failure}</p>
          {errors.length > 0 && (
            <ul aria-label="Template problems" className="mt-1 list-disc pl-5">
              {errors.map((e, i) => (
                <li key={i}>
                  {e.line ? `line ${e.line}: ` : ""}
                  <code className="font-mono text-xs">{e.path || "(template)"}</code> {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <Label htmlFor="template-yaml">Template YAML</Label>
      <Textarea
        id="template-yaml"
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        aria-invalid={errors.length > 0 || undefined}
        className="h-[60vh] font-mono text-xs"
      />
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={() => router.back()}>
          Cancel
        </Button>
        <Button variant="primary" onClick={submit} disabled={!ready || pending || !text.trim()}>
          {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Save aria-hidden />}
          {name ? "Save new version" : "Add template"}
        </Button>
      </div>
    </div>
  );
}
