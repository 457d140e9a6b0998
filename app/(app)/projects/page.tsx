import { FolderKanban } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { NewProjectDialog } from "@/components/projects/new-project-dialog";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { pageCall } from "@/server/operations/page";
import { listProjectsOp } from "@/server/projects/operations";

export const metadata: Metadata = { title: "Projects" };

export default async function ProjectsPage() {
  // The same operation as GET /api/v1/projects.
  const projects = (await pageCall(listProjectsOp, {})).data.items;
  return (
    <>
      <PageHeader
        title="Projects"
        description="Projects own pipelines, templates and secrets; members have a role in each."
        actions={<NewProjectDialog />}
      />
      <Card>
        {projects.length === 0 ? (
          <EmptyState icon={FolderKanban} title="You are in no project yet">
            Create one, or ask a project owner to add you.
          </EmptyState>
        ) : (
          <Table aria-label="Projects">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Slug</Th>
                <Th className="w-28">Your role</Th>
                <Th className="w-24">Pipelines</Th>
                <Th className="w-24">Members</Th>
                <Th>Namespace</Th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <Tr key={p.id}>
                  <Td className="font-medium">
                    <Link href={`/projects/${p.slug}`} className="text-accent hover:underline">
                      {p.name}
                    </Link>
                  </Td>
                  <Td className="font-mono text-xs text-muted">{p.slug}</Td>
                  <Td className="capitalize">{p.role}</Td>
                  <Td className="tabular-nums">{p.pipelines}</Td>
                  <Td className="tabular-nums">{p.members}</Td>
                  <Td className="font-mono text-xs text-muted">{p.namespace}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
