import type { Metadata } from "next";
import Link from "next/link";
import { AnalyticsView, WindowPicker } from "@/components/analytics/analytics-view";
import { buttonVariants } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { PageHeader } from "@/components/ui/page-header";
import { AnalyticsQuerySchema } from "@/lib/api-schemas";
import { analyticsOp } from "@/server/analytics/operations";
import { pageCall } from "@/server/operations/page";
import { currentProjectSlug } from "@/server/projects/current";
import { listProjectsOp } from "@/server/projects/operations";

export const metadata: Metadata = { title: "Analytics" };

/**
 * Run analytics across pipelines: every project the user may see, or one (`?project=`, else the
 * project switcher's choice), over 7, 30 or 90 days (`?days=`).
 */
export default async function AnalyticsPage({ searchParams }: { searchParams: Promise<{ days?: string; project?: string }> }) {
  const sp = await searchParams;
  const q = AnalyticsQuerySchema.safeParse({ days: sp.days });
  const days = q.success ? q.data.days : 30;
  const [{ data: list }, switcher] = await Promise.all([pageCall(listProjectsOp, {}), currentProjectSlug()]);
  const projects = list.items;
  // `?project=all` overrides the switcher; a project the user cannot see falls back to the switcher's
  // choice, which the operation drops in turn when the user left that project.
  const wanted = sp.project === "all" ? null : (projects.find((p) => p.slug === sp.project)?.slug ?? switcher);
  // The same operation as GET /api/v1/analytics.
  const { data, access } = await pageCall(analyticsOp, { days, switcher: wanted });
  const chosen = access ? (projects.find((p) => p.id === access.projectId) ?? null) : null;
  const href = (o: { days?: number; project?: string | null }) => {
    const project = o.project === undefined ? (chosen?.slug ?? (sp.project === "all" ? "all" : null)) : o.project;
    return `/analytics?${new URLSearchParams({ days: String(o.days ?? days), ...(project ? { project } : {}) })}`;
  };
  return (
    <>
      <PageHeader
        title="Analytics"
        description={
          chosen
            ? `Runs of project ${chosen.name}: how often they pass, how long they take and wait, which tasks are slow or flaky.`
            : "Runs of every pipeline you can see: how often they pass, how long they take and wait, which tasks are slow or flaky."
        }
        actions={<WindowPicker days={days} href={{ 7: href({ days: 7 }), 30: href({ days: 30 }), 90: href({ days: 90 }) }} />}
      />
      {projects.length > 1 && (
        <nav aria-label="Filter by project" className="mb-3 flex flex-wrap gap-1">
          {[{ slug: "all", name: "All projects" }, ...projects].map((p) => {
            const current = p.slug === "all" ? chosen === null : chosen?.slug === p.slug;
            return (
              <Link
                key={p.slug}
                href={href({ project: p.slug })}
                aria-current={current ? "page" : undefined}
                className={cn(
                  "rounded-full border px-3 py-1 text-xs text-muted hover:bg-surface-2 hover:text-foreground",
                  current && "border-accent/40 bg-accent-soft text-foreground",
                )}
              >
                {p.name}
              </Link>
            );
          })}
        </nav>
      )}
      <AnalyticsView
        data={data}
        showPipeline
        emptyAction={
          <Link href="/pipelines" className={buttonVariants({ variant: "secondary" })}>
            Open a pipeline to run it
          </Link>
        }
      />
    </>
  );
}
