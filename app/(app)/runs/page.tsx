import { PlayCircle } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { RunsTable } from "@/components/runs/runs-table";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { ACTIVE_STATUSES, type RunStatus } from "@/lib/status";
import { pageCall } from "@/server/operations/page";
import { currentProjectSlug } from "@/server/projects/current";
import { listRecentRunsOp } from "@/server/runs/operations";
import { runRows } from "@/components/runs/run-rows";

export const metadata: Metadata = { title: "Runs" };

const FILTERS: { key: string; label: string; statuses?: RunStatus[] }[] = [
  { key: "all", label: "All" },
  { key: "active", label: "Active", statuses: [...ACTIVE_STATUSES] },
  { key: "failed", label: "Failed", statuses: ["failed"] },
  { key: "succeeded", label: "Succeeded", statuses: ["succeeded"] },
  { key: "cancelled", label: "Cancelled", statuses: ["cancelled"] },
];

export default async function RunsPage({ searchParams }: { searchParams: Promise<{ status?: string; page?: string }> }) {
  const sp = await searchParams;
  const filter = FILTERS.find((f) => f.key === sp.status) ?? FILTERS[0];
  const page = Math.max(1, Number.parseInt(sp.page ?? "1", 10) || 1);
  // The same operation as GET /api/v1/runs, in the project switcher's project (when the user may still see it).
  const { data: runs } = await pageCall(listRecentRunsOp, {
    page,
    perPage: 25,
    status: filter.statuses?.join(","),
    switcher: await currentProjectSlug(),
  });
  const href = (key: string, p = 1) =>
    `/runs?${new URLSearchParams({ ...(key !== "all" ? { status: key } : {}), ...(p > 1 ? { page: String(p) } : {}) })}`;
  return (
    <>
      <PageHeader title="Runs" description="Every pipeline's runs, newest first." />
      <nav aria-label="Filter runs by status" className="mb-3 flex flex-wrap gap-1">
        {FILTERS.map((f) => (
          <Link
            key={f.key}
            href={href(f.key)}
            aria-current={f.key === filter.key ? "page" : undefined}
            className={cn(
              "rounded-full border px-3 py-1 text-xs text-muted hover:bg-surface-2 hover:text-foreground",
              f.key === filter.key && "border-accent/40 bg-accent-soft text-foreground",
            )}
          >
            {f.label}
          </Link>
        ))}
      </nav>
      <Card>
        {runs.total === 0 ? (
          <EmptyState icon={PlayCircle} title={filter.key === "all" ? "No runs yet" : `No ${filter.label.toLowerCase()} runs`}>
            {filter.key === "all" ? (
              <>
                Open a{" "}
                <Link href="/pipelines" className="text-accent underline underline-offset-2">
                  pipeline
                </Link>{" "}
                and press Run.
              </>
            ) : (
              <Link href={href("all")} className="text-accent hover:underline">
                Show all runs
              </Link>
            )}
          </EmptyState>
        ) : (
          <>
            <RunsTable runs={runRows(runs.items)} showPipeline label="Runs" />
            <div className="border-t">
              <Pagination page={runs.page} perPage={runs.perPage} total={runs.total} href={(p) => href(filter.key, p)} label="Runs pages" />
            </div>
          </>
        )}
      </Card>
    </>
  );
}
