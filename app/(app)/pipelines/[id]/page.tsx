import { FileCode, History, PlayCircle } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { stringify } from "yaml";
import { EditSpec } from "@/components/pipelines/edit-spec";
import { RunDialog } from "@/components/pipelines/run-dialog";
import { RunsTable } from "@/components/runs/runs-table";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { UrlTabs } from "@/components/ui/url-tabs";
import { getDb } from "@/server/db/client";
import { getPipeline, listVersions } from "@/server/pipelines/pipelines";
import { listRuns } from "@/server/runs/queries";
import { orNotFound } from "./load";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ tab?: string; page?: string }> };

const TABS = ["runs", "spec", "versions"] as const;
const PER_PAGE = 20;

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const p = await orNotFound(getPipeline(getDb(), (await params).id));
  return { title: p.name };
}

export default async function PipelinePage({ params, searchParams }: Props) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  const db = getDb();
  const pipeline = await orNotFound(getPipeline(db, id));
  const page = Math.max(1, Number.parseInt(sp.page ?? "1", 10) || 1);
  const [runs, versions] = await Promise.all([listRuns(db, id, page, PER_PAGE), listVersions(db, id)]);
  const tab = (TABS as readonly string[]).includes(sp.tab ?? "") ? sp.tab! : "runs";
  const source = pipeline.source ?? stringify(pipeline.spec);

  return (
    <>
      <PageHeader
        breadcrumb={
          <Link href="/pipelines" className="hover:text-foreground hover:underline">
            Pipelines
          </Link>
        }
        title={pipeline.name}
        description={
          <span className="flex flex-wrap items-center gap-x-3">
            {pipeline.description && <span>{pipeline.description}</span>}
            <span className="text-xs">
              version {pipeline.version} · saved <RelativeTime date={pipeline.updatedAt} />
            </span>
          </span>
        }
        actions={<RunDialog pipelineId={pipeline.id} pipelineName={pipeline.name} params={pipeline.spec.params} />}
      />
      <UrlTabs defaultValue={tab}>
        <TabsList aria-label="Pipeline sections">
          <TabsTrigger value="runs">
            <PlayCircle aria-hidden /> Runs <span className="text-xs text-muted">{runs.total}</span>
          </TabsTrigger>
          <TabsTrigger value="spec">
            <FileCode aria-hidden /> Spec
          </TabsTrigger>
          <TabsTrigger value="versions">
            <History aria-hidden /> Versions <span className="text-xs text-muted">{versions.length}</span>
          </TabsTrigger>
        </TabsList>

        <TabsContent value="runs">
          <Card>
            {runs.total === 0 ? (
              <EmptyState icon={PlayCircle} title="No runs yet">
                Start one with the Run button; its stages and live logs open right away.
              </EmptyState>
            ) : (
              <>
                <RunsTable runs={runs.items} label={`Runs of ${pipeline.name}`} />
                <div className="border-t">
                  <Pagination page={runs.page} perPage={runs.perPage} total={runs.total} href={(p) => `/pipelines/${id}?tab=runs&page=${p}`} label="Runs pages" />
                </div>
              </>
            )}
          </Card>
        </TabsContent>

        <TabsContent value="spec">
          {/* A new current version (ours or someone else's) starts the editor over from it. */}
          <EditSpec key={pipeline.version} pipelineId={pipeline.id} version={pipeline.version} source={source} />
        </TabsContent>

        <TabsContent value="versions">
          <Card>
            <Table aria-label="Versions">
              <thead>
                <tr>
                  <Th className="w-32">Version</Th>
                  <Th>Message</Th>
                  <Th className="w-32">Author</Th>
                  <Th className="w-40">Saved</Th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <Tr key={v.version}>
                    <Td>
                      <Link href={`/pipelines/${id}/versions/${v.version}`} className="font-medium text-accent hover:underline">
                        Version {v.version}
                      </Link>
                      {v.version === pipeline.version && <span className="ml-2 rounded bg-accent-soft px-1.5 py-0.5 text-[11px] text-accent">current</span>}
                    </Td>
                    <Td className="max-w-0 truncate text-muted">{v.message ?? <span className="italic">no message</span>}</Td>
                    <Td className="text-muted">{v.author ?? "—"}</Td>
                    <Td className="text-muted">
                      <RelativeTime date={v.createdAt} />
                    </Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          </Card>
        </TabsContent>
      </UrlTabs>
    </>
  );
}
