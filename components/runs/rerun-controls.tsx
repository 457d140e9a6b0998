"use client";

import { RotateCcw } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/input";
import { useToast } from "@/components/ui/toast";
import type { RunJson } from "@/lib/api-schemas";
import { isBroken, isFinal } from "@/lib/status";
import { rerunAction } from "@/server/actions/reruns";

/**
 * Re-run buttons of the run page (shown to users with run.start): all of it; only what failed
 * (succeeded tasks keep their result) once the run failed or was cancelled; or from a stage.
 */
export function RerunControls({ run }: { run: RunJson }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const [stage, setStage] = useState(run.stages[run.stages.length > 1 ? 1 : 0]?.name ?? "");
  const finished = isFinal(run.status);
  const broken = isBroken(run.status);

  const go = (body: { mode: "all" | "failed" | "from-stage"; stage?: string }) =>
    start(async () => {
      const r = await rerunAction(run.id, body);
      if (r.ok) {
        toast({ tone: "success", title: `Run #${r.data.number} started`, description: `a re-run of #${run.number}` });
        router.push(`/runs/${r.data.id}`);
      } else toast({ tone: "error", title: "Could not re-run", description: r.error.message });
    });

  return (
    <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Re-run">
      {broken && (
        <Button variant="primary" disabled={pending} onClick={() => go({ mode: "failed" })}>
          <RotateCcw aria-hidden /> Re-run failed
        </Button>
      )}
      <Button disabled={pending} onClick={() => go({ mode: "all" })}>
        <RotateCcw aria-hidden /> Re-run all
      </Button>
      {finished && run.stages.length > 1 && (
        <span className="flex items-center gap-1">
          <Select aria-label="Stage to re-run from" value={stage} onChange={(e) => setStage(e.target.value)} className="w-auto">
            {run.stages.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </Select>
          <Button disabled={pending || !stage} onClick={() => go({ mode: "from-stage", stage })}>
            Re-run from stage
          </Button>
        </span>
      )}
    </div>
  );
}
