import type { RunRow } from "@/components/runs/runs-table";

type RunJson = Omit<RunRow, "createdAt" | "startedAt" | "finishedAt"> & {
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

/** Runs as the run operations answer them (times as ISO text), as the runs table takes them. */
export function runRows(items: RunJson[]): RunRow[] {
  return items.map((r) => ({
    ...r,
    createdAt: new Date(r.createdAt),
    startedAt: r.startedAt ? new Date(r.startedAt) : null,
    finishedAt: r.finishedAt ? new Date(r.finishedAt) : null,
  }));
}
