import { Webhook } from "lucide-react";
import Link from "next/link";
import { buttonVariants } from "@/components/ui/button";

/** The pipeline header's way to its webhook triggers and deliveries. */
export function TriggersLink({ pipelineId, count }: { pipelineId: string; count: number }) {
  return (
    <Link href={`/pipelines/${pipelineId}/triggers`} className={buttonVariants({ variant: "secondary" })}>
      <Webhook aria-hidden /> Triggers{count > 0 && <span className="text-xs text-muted">{count}</span>}
    </Link>
  );
}
