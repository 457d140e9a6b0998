import { CalendarClock, ChartColumn, Download, FileCode, History, PlayCircle, Workflow } from "lucide-react";
import type { Metadata } from "next";
import { stringify } from "yaml";
import { AnalyticsPanel } from "@/components/analytics/analytics-panel";
import { TestHistoryPanel } from "@/components/analytics/test-history";
import { UpgradeBanner } from "@/components/pipelines/upgrade-banner";
import { SchedulesPanel } from "@/components/schedules/schedules-panel";
import { VersionsPanel } from "@/components/pipelines/versions-panel";
import { buttonVariants } from "@/components/ui/button";
import { DesignTab } from "@/components/designer/design-tab";
import { EditSpec } from "@/components/pipelines/edit-spec";
import { RunDialog } from "@/components/pipelines/run-dialog";
import { RunsTable } from "@/components/runs/runs-table";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RelativeTime } from "@/components/ui/relative-time";
import { TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { UrlTabs } from "@/components/ui/url-tabs";
import { TriggersLink } from "@/components/pipelines/triggers-link";
import { pageCall } from "@/server/operations/page";
import { getPipelineOp, outdatedTemplatesView, versionHistoryView } from "@/server/pipelines/operations";
import { listPipelineRunsOp } from "@/server/runs/operations";
import { listSecretsOp } from "@/server/secrets/operations";
import { listTemplatesOp } from "@/server/templates/operations";
import { runRows } from "../../runs/run-rows";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ tab?: string; page?: string }> };

const TABS = ["design", "runs", "spec", "versions", "analytics", "schedules"] as const;
const PER_PAGE = 20;

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { data: p } = await pageCall(getPipelineOp, { id: (await params).id });
  return { title: p.name };
}

export default async function PipelinePage({ params, searchParams }: Props) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  // The same operations as GET /api/v1/pipelines/{id}, …/runs and the project's …/secrets, and
  // the views of the Versions tab and the upgrade banner.
  const { data: pipeline, can } = await pageCall(getPipelineOp, { id });
  const canEdit = can.includes("pipeline.edit");
  const page = Math.max(1, Number.parseInt(sp.page ?? "1", 10) || 1);
  const [{ data: runs }, { data: versions }, { data: outdated }, { data: secrets }, { data: catalog }] = await Promise.all([
    pageCall(listPipelineRunsOp, { id, page, perPage: PER_PAGE }),
    pageCall(versionHistoryView, { id }),
    pageCall(outdatedTemplatesView, { id }),
    // Names only, which every member may see: suggestions for the repository's credentials.
    pageCall(listSecretsOp, { project: pipeline.project.slug }),
    // The designer's palette and forms: the same catalog as GET /api/v1/templates.
    pageCall(listTemplatesOp, {}),
  ]);
  const tab = TABS.find((t) => t === sp.tab) ?? "design";
  const source = pipeline.source ?? stringify(pipeline.spec);

  return (
    <>
      <PageHeader
        breadcrumb={[
          { href: `/pipelines?project=${pipeline.project.slug}`, label: pipeline.project.name },
          { href: "/pipelines", label: "Pipelines" },
        ]}
        title={pipeline.name}
        description={
          <span className="flex flex-wrap items-center gap-x-3">
            {pipeline.description && <span>{pipeline.description}</span>}
            <span className="text-xs">
              version {pipeline.version} · saved <RelativeTime date={pipeline.updatedAt} />
            </span>
          </span>
        }
        actions={
          <>
            <a href={`/api/v1/pipelines/${pipeline.id}/export`} download className={buttonVariants({ variant: "secondary" })}>
              <Download aria-hidden /> Export YAML
            </a>
            <TriggersLink pipelineId={pipeline.id} count={pipeline.spec.triggers?.length ?? 0} />
            {can.includes("run.start") && <RunDialog pipelineId={pipeline.id} pipelineName={pipeline.name} params={pipeline.spec.params} />}
          </>
        }
      />
      {canEdit && outdated.length > 0 && (
        <UpgradeBanner key={pipeline.version} pipelineId={pipeline.id} version={pipeline.version} outdated={outdated} />
      )}
      <UrlTabs defaultValue={tab}>
        <TabsList aria-label="Pipeline sections">
          <TabsTrigger value="design">
            <Workflow aria-hidden /> Design
          </TabsTrigger>
          <TabsTrigger value="runs">
            <PlayCircle aria-hidden /> Runs <span className="text-xs text-muted">{runs.total}</span>
          </TabsTrigger>
          <TabsTrigger value="spec">
            <FileCode aria-hidden /> Spec
          </TabsTrigger>
          <TabsTrigger value="versions">
            <History aria-hidden /> Versions <span className="text-xs text-muted">{versions.length}</span>
          </TabsTrigger>
          <TabsTrigger value="analytics">
            <ChartColumn aria-hidden /> Analytics
          </TabsTrigger>
          <TabsTrigger value="schedules">
            <CalendarClock aria-hidden /> Schedules
          </TabsTrigger>
        </TabsList>

        {/* Kept mounted while another tab shows, so unsaved designer edits survive a look at the runs. */}
        <TabsContent value="design" forceMount className="data-[state=inactive]:hidden">
          <DesignTab
            pipelineId={pipeline.id}
            version={pipeline.version}
            source={source}
            repositoryFile={pipeline.spec.source?.path}
            secretNames={secrets.items.map((s) => s.name)}
            secretsHref={`/projects/${pipeline.project.slug}?tab=secrets`}
            catalog={catalog.items}
          />
        </TabsContent>

        <TabsContent value="runs">
          <Card>
            {runs.total === 0 ? (
              <EmptyState icon={PlayCircle} title="No runs yet">
                Start one with the Run button; its stages and live logs open right away.
              </EmptyState>
            ) : (
              <>
                <RunsTable runs={runRows(runs.items)} label={`Runs of ${pipeline.name}`} />
                <div className="border-t">
                  <Pagination
                    page={runs.page}
                    perPage={runs.perPage}
                    total={runs.total}
                    href={(p) => `/pipelines/${id}?tab=runs&page=${p}`}
                    label="Runs pages"
                  />
                </div>
              </>
            )}
          </Card>
        </TabsContent>

        <TabsContent value="spec">
          {/* A new current version (ours or someone else's) starts the editor over from it. */}
          <EditSpec
            key={pipeline.version}
            pipelineId={pipeline.id}
            version={pipeline.version}
            source={source}
            repositoryFile={pipeline.spec.source?.path}
          />
        </TabsContent>

        <TabsContent value="versions">
          <VersionsPanel
            key={pipeline.version}
            pipelineId={pipeline.id}
            current={pipeline.version}
            versions={versions}
            canRestore={canEdit}
          />
        </TabsContent>

        {/* Fetched when the tab opens, so the designer never waits for it. */}
        <TabsContent value="analytics">
          <div className="flex flex-col gap-3">
            <AnalyticsPanel endpoint={`/api/v1/pipelines/${pipeline.id}/analytics`} />
            <TestHistoryPanel pipelineId={pipeline.id} />
          </div>
        </TabsContent>

        {/* Loaded when the tab opens. */}
        <TabsContent value="schedules">
          <SchedulesPanel pipelineId={pipeline.id} params={pipeline.spec.params} canEdit={canEdit} />
        </TabsContent>
      </UrlTabs>
    </>
  );
}
