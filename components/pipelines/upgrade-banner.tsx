"use client";

import { ArrowUpCircle, LoaderCircle } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import { upgradeTemplatesAction } from "@/server/actions/versions";

/** Shown when a template this pipeline is pinned to has a newer version. */
export function UpgradeBanner({
  pipelineId,
  version,
  outdated,
}: {
  pipelineId: string;
  version: number;
  outdated: { name: string; pinned: number; latest: number }[];
}) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const upgrade = () =>
    start(async () => {
      const r = await upgradeTemplatesAction({ pipelineId, baseVersion: version });
      if (r.ok) {
        toast({ tone: "success", title: `Upgraded templates in version ${r.data.version}` });
        router.refresh();
      } else toast({ tone: "error", title: "Not upgraded", description: r.error.message });
    });
  return (
    <div
      role="status"
      className="mb-4 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-accent/40 bg-accent-soft px-3 py-2 text-sm"
    >
      <span className="flex items-center gap-2">
        <ArrowUpCircle className="size-4 text-accent" aria-hidden />
        Newer template versions: {outdated.map((o) => `${o.name} ${o.pinned} → ${o.latest}`).join(", ")}. Runs use the pinned versions until
        you upgrade.
      </span>
      <Button size="sm" variant="primary" onClick={upgrade} disabled={pending}>
        {pending && <LoaderCircle className="animate-spin" aria-hidden />} Upgrade templates
      </Button>
    </div>
  );
}
