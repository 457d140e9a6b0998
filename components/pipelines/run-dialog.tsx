"use client";

import { LoaderCircle, Play } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import { createRunAction } from "@/server/actions/runs";

type Param = PipelineSpec["params"][number];

/** Not a param name: those match [A-Za-z_][A-Za-z0-9_]*. */
const REF_FIELD = "run-ref";

/**
 * "Run" → a form with the branch or tag and one field per declared param (defaults filled) → the
 * new run's page.
 */
export function RunDialog({
  pipelineId,
  pipelineName,
  params,
  version,
  defaultRef,
  label = "Run",
}: {
  pipelineId: string;
  pipelineName: string;
  params: Param[];
  version?: number;
  /** The repository's branch or tag, when known (lib/repository.ts `defaultRunRef`). */
  defaultRef?: string;
  label?: string;
}) {
  const router = useRouter();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, start] = useTransition();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const values = Object.fromEntries(params.map((p) => [p.name, String(form.get(p.name) ?? "")]));
    const ref = String(form.get(REF_FIELD) ?? "").trim();
    start(async () => {
      const r = await createRunAction(pipelineId, { params: values, version, ...(ref ? { ref } : {}) });
      if (r.ok) {
        toast({ tone: "success", title: `Run #${r.data.number} started` });
        router.push(`/runs/${r.data.id}`);
        return;
      }
      const byField: Record<string, string> = {};
      for (const fe of r.error.errors ?? []) {
        const m = /^params\.(.+)$/.exec(fe.path);
        if (m) byField[m[1]] = fe.message;
        else if (fe.path === "ref") byField[REF_FIELD] = fe.message;
      }
      setFieldErrors(byField);
      setFailure(Object.keys(byField).length ? null : r.error.message);
    });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) {
          setFieldErrors({});
          setFailure(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="primary">
          <Play aria-hidden /> {label}
        </Button>
      </DialogTrigger>
      <DialogContent
        title={`Run ${pipelineName}${version ? ` (version ${version})` : ""}`}
        description="The branch or tag and values for this run; defaults are filled in."
      >
        <form onSubmit={onSubmit} className="flex flex-col gap-4 p-4">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={REF_FIELD}>Branch or tag</Label>
            <Input
              id={REF_FIELD}
              name={REF_FIELD}
              defaultValue={defaultRef ?? ""}
              placeholder="main"
              maxLength={255}
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              aria-invalid={fieldErrors[REF_FIELD] ? true : undefined}
              aria-describedby={`${REF_FIELD}-help`}
            />
            <p id={`${REF_FIELD}-help`} className={fieldErrors[REF_FIELD] ? "text-xs text-danger" : "text-xs text-muted"}>
              {fieldErrors[REF_FIELD] ??
                "Shown on the run and available as {{ git.ref }}; runs of the same ref follow the pipeline's concurrency rule."}
            </p>
          </div>
          {params.length === 0 && <p className="text-sm text-muted">This pipeline has no params.</p>}
          {params.map((p) => {
            const id = `param-${p.name}`;
            const err = fieldErrors[p.name];
            return (
              <div key={p.name} className="flex flex-col gap-1.5">
                <Label htmlFor={id} className="font-mono">
                  {p.name}
                  {p.required && (
                    <span className="ml-1 text-danger" aria-hidden>
                      *
                    </span>
                  )}
                  {p.secret && (
                    <span className="ml-2 rounded bg-surface-2 px-1 font-sans text-[10px] font-normal text-muted">
                      secret · masked in logs
                    </span>
                  )}
                </Label>
                <Input
                  id={id}
                  name={p.name}
                  type={p.secret ? "password" : "text"}
                  defaultValue={p.default ?? ""}
                  required={p.required}
                  autoComplete={p.secret ? "new-password" : "off"}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={p.description || err ? `${id}-help` : undefined}
                />
                {(p.description || err) && (
                  <p id={`${id}-help`} className={err ? "text-xs text-danger" : "text-xs text-muted"}>
                    {err ?? p.description}
                  </p>
                )}
              </div>
            );
          })}
          {failure && (
            <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
              {failure}
            </p>
          )}
          <div className="flex justify-end gap-2 border-t pt-3">
            <DialogClose asChild>
              <Button variant="ghost">Cancel</Button>
            </DialogClose>
            <Button type="submit" variant="primary" disabled={pending}>
              {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Play aria-hidden />}
              Start run
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
