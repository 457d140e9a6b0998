"use client";

import { useRouter } from "next/navigation";
import { useId, useTransition } from "react";
import { Select } from "@/components/ui/input";
import { useToast } from "@/components/ui/toast";
import { switchProjectAction } from "@/server/actions/projects";

export interface SwitcherProject {
  slug: string;
  name: string;
}

/** Chooses which project the lists show; "All projects" shows every project the user is in. */
export function ProjectSwitcher({ projects, current }: { projects: SwitcherProject[]; current: string | null }) {
  const router = useRouter();
  const toast = useToast();
  const id = useId();
  const [pending, start] = useTransition();
  return (
    <div className="border-b px-3 py-2">
      <label htmlFor={id} className="mb-1 block text-[11px] font-medium uppercase tracking-wide text-muted">
        Project
      </label>
      <Select
        id={id}
        value={current ?? ""}
        disabled={pending}
        onChange={(e) =>
          start(async () => {
            const r = await switchProjectAction(e.target.value || null);
            if (!r.ok) toast({ tone: "error", title: "Could not switch project", description: r.error.message });
            router.refresh();
          })
        }
      >
        <option value="">All projects</option>
        {projects.map((p) => (
          <option key={p.slug} value={p.slug}>
            {p.name}
          </option>
        ))}
      </Select>
    </div>
  );
}
