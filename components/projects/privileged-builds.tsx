"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { useToast } from "@/components/ui/toast";
import { setProjectBuildsAction } from "@/server/actions/projects";

/**
 * The project's `builds.privileged` switch (maintainers and owners): image builders such as kaniko
 * may run as root, and the project's namespace becomes Pod Security baseline. Audited.
 */
export function PrivilegedBuilds({ slug, privileged, canManage }: { slug: string; privileged: boolean; canManage: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const change = (next: boolean) =>
    start(async () => {
      const r = await setProjectBuildsAction(slug, next);
      if (r.ok) {
        toast({ tone: "success", title: next ? "Privileged builds allowed" : "Privileged builds turned off" });
        router.refresh();
      } else toast({ tone: "error", title: "Not changed", description: r.error.message });
    });
  return (
    <div className="grid max-w-2xl gap-1 p-4">
      <label className="flex items-center gap-2 text-sm font-medium">
        <input
          type="checkbox"
          checked={privileged}
          disabled={!canManage || pending}
          onChange={(e) => change(e.target.checked)}
          className="size-4 accent-[var(--accent)]"
        />
        Privileged builds
      </label>
      <p className="text-xs text-muted">
        Lets templates that need root (the kaniko image build) run as uid 0 in Kubernetes; the project&apos;s namespace is then Pod Security{" "}
        <code>baseline</code> instead of <code>restricted</code>. Off by default; maintainers and owners change it, and each change is in
        the audit trail.
      </p>
    </div>
  );
}
