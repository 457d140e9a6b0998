"use client";

import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import { createProjectAction } from "@/server/actions/projects";

/** Creates a project; its creator becomes the owner and the switcher moves to it. */
export function NewProjectDialog() {
  const router = useRouter();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [pending, start] = useTransition();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [form, setForm] = useState({ slug: "", name: "", description: "" });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    start(async () => {
      const r = await createProjectAction({ slug: form.slug, name: form.name, description: form.description || undefined });
      if (r.ok) {
        setOpen(false);
        toast({ tone: "success", title: `Created project ${r.data.slug}` });
        router.push(`/projects/${r.data.slug}`);
        router.refresh();
      } else {
        setErrors(Object.fromEntries((r.error.errors ?? []).map((x) => [x.path, x.message])));
        if (!r.error.errors?.length) toast({ tone: "error", title: "Could not create the project", description: r.error.message });
      }
    });
  };
  const field = (k: keyof typeof form, label: string, hint: string, multi = false) => {
    const Comp = multi ? Textarea : Input;
    return (
      <div className="grid gap-1">
        <Label htmlFor={`np-${k}`}>{label}</Label>
        <Comp
          id={`np-${k}`}
          value={form[k]}
          aria-invalid={!!errors[k]}
          aria-describedby={`np-${k}-hint`}
          onChange={(e) => setForm((f) => ({ ...f, [k]: e.target.value }))}
        />
        <p id={`np-${k}-hint`} className={errors[k] ? "text-xs text-danger" : "text-xs text-muted"}>
          {errors[k] ?? hint}
        </p>
      </div>
    );
  };
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="primary">
          <Plus aria-hidden /> New project
        </Button>
      </DialogTrigger>
      <DialogContent title="New project" description="You become its owner and can add members afterwards.">
        <form onSubmit={submit} className="grid gap-3">
          {field("name", "Name", "Shown in the project switcher.")}
          {field("slug", "Slug", "Lower-case letters, digits and '-'; used in URLs and the Kubernetes namespace.")}
          {field("description", "Description", "Optional.", true)}
          <div className="flex justify-end gap-2">
            <Button type="submit" variant="primary" disabled={pending || !form.slug || !form.name}>
              Create project
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
