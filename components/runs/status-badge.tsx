import { Ban, CircleCheck, CircleDashed, CircleX, Clock, Hourglass, LoaderCircle, type LucideIcon } from "lucide-react";
import type { RunStatus } from "@/lib/status";
import { cn } from "@/components/ui/cn";

/** One colour and one icon per status, used by every page (DESIGN.md "Look and feel"). */
const STATUS: Record<RunStatus, { label: string; icon: LucideIcon; text: string; bg: string; spin?: boolean }> = {
  queued: { label: "Queued", icon: Clock, text: "text-st-queued", bg: "bg-st-queued/12" },
  running: { label: "Running", icon: LoaderCircle, text: "text-st-running", bg: "bg-st-running/12", spin: true },
  waiting: { label: "Waiting", icon: Hourglass, text: "text-st-waiting", bg: "bg-st-waiting/15" },
  succeeded: { label: "Succeeded", icon: CircleCheck, text: "text-st-succeeded", bg: "bg-st-succeeded/12" },
  failed: { label: "Failed", icon: CircleX, text: "text-st-failed", bg: "bg-st-failed/12" },
  cancelled: { label: "Cancelled", icon: Ban, text: "text-st-cancelled", bg: "bg-st-cancelled/12" },
  skipped: { label: "Skipped", icon: CircleDashed, text: "text-st-skipped", bg: "bg-st-skipped/12" },
};

const known = (s: string): RunStatus => (s in STATUS ? (s as RunStatus) : "queued");

export function statusLabel(status: string) {
  return STATUS[known(status)].label;
}

/** Icon only; carries the status as its accessible name. */
export function StatusIcon({ status, className }: { status: string; className?: string }) {
  const s = STATUS[known(status)];
  const Icon = s.icon;
  return (
    <Icon
      role="img"
      aria-label={s.label}
      className={cn("size-4 shrink-0", s.text, s.spin && "animate-spin [animation-duration:1.6s]", className)}
    />
  );
}

/** Icon and word, e.g. in a page header or a table cell. */
export function StatusBadge({ status, className }: { status: string; className?: string }) {
  const s = STATUS[known(status)];
  const Icon = s.icon;
  return (
    <span
      data-status={status}
      className={cn("inline-flex h-6 items-center gap-1 rounded-full px-2 text-xs font-medium", s.text, s.bg, className)}
    >
      <Icon aria-hidden className={cn("size-3.5", s.spin && "animate-spin [animation-duration:1.6s]")} />
      {s.label}
    </span>
  );
}
