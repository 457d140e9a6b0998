import { Plus, Workflow } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { ImportPipeline } from "@/components/pipelines/import-pipeline";
import { StatusBadge } from "@/components/runs/status-badge";
import { buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { pageCall } from "@/server/operations/page";
import { listPipelinesOp } from "@/server/pipelines/operations";
import { currentProjectSlug } from "@/server/projects/current";

export const metadata: Metadata = { title: "Pipelines" };

export default async function PipelinesPage() {
  // The same operation as GET /api/v1/pipelines, in the project switcher's project (when the user may still see it).
  const { data, access: current } = await pageCall(listPipelinesOp, { switcher: await currentProjectSlug() });
  const pipelines = data.items;
  const newButton = (
    <Link href="/pipelines/new" className={buttonVariants({ variant: "primary" })}>
      <Plus aria-hidden /> New pipeline
    </Link>
  );
  return (
    <>
      <PageHeader
        title="Pipelines"
        description={
          current
            ? `Pipelines of ${current.projectSlug}: stages of tasks, versioned as code.`
            : "Stages of tasks, versioned as code, in every project you belong to."
        }
        actions={
          <>
            <ImportPipeline />
            {pipelines.length > 0 && newButton}
          </>
        }
      />
      <Card>
        {pipelines.length === 0 ? (
          <EmptyState icon={Workflow} title="No pipelines yet" action={newButton}>
            Write a pipeline spec in YAML, or send one to <code className="font-mono text-xs">POST /api/v1/pipelines</code>.
          </EmptyState>
        ) : (
          <Table aria-label="Pipelines">
            <thead>
              <tr>
                <Th>Name</Th>
                {!current && <Th className="w-40">Project</Th>}
                <Th>Description</Th>
                <Th className="w-20">Version</Th>
                <Th className="w-64">Last run</Th>
              </tr>
            </thead>
            <tbody>
              {pipelines.map((p) => (
                <Tr key={p.id}>
                  <Td className="font-medium">
                    <Link href={`/pipelines/${p.id}`} className="text-accent hover:underline">
                      {p.name}
                    </Link>
                  </Td>
                  {!current && <Td className="text-muted">{p.project.name}</Td>}
                  <Td className="max-w-0 truncate text-muted" title={p.description ?? undefined}>
                    {p.description}
                  </Td>
                  <Td className="text-muted tabular-nums">v{p.version}</Td>
                  <Td>
                    {p.lastRun ? (
                      <Link href={`/runs/${p.lastRun.id}`} className="inline-flex items-center gap-2 hover:underline">
                        <span className="sr-only">Last run</span>
                        <StatusBadge status={p.lastRun.status} />
                        <span className="text-xs text-muted">
                          #{p.lastRun.number} · <RelativeTime date={p.lastRun.createdAt} />
                        </span>
                      </Link>
                    ) : (
                      <span className="text-xs text-muted">never run</span>
                    )}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
