import { UserCheck } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { describeApprovers } from "@/lib/approvals";
import { pageCall } from "@/server/operations/page";
import { listApprovalsOp } from "@/server/runs/operations";

export const metadata: Metadata = { title: "Approvals" };
export const dynamic = "force-dynamic";

/** Manual-approval gates waiting for the signed-in user's decision, across their projects. */
export default async function ApprovalsPage() {
  // The same operation as GET /api/v1/approvals.
  const { data } = await pageCall(listApprovalsOp, {});
  const items = data.items;
  return (
    <>
      <PageHeader title="Approvals" description="Runs waiting at an approval gate for your decision." />
      <Card>
        {items.length === 0 ? (
          <EmptyState icon={UserCheck} title="Nothing waits for you">
            Gates that name you, or a role you hold in a project, show up here while they wait.
          </EmptyState>
        ) : (
          <Table aria-label="Waiting for your approval">
            <thead>
              <tr>
                <Th>Run</Th>
                <Th className="w-32">Gate</Th>
                <Th>Approvers</Th>
                <Th className="w-28">Approvals</Th>
                <Th className="w-36">Waiting since</Th>
                <Th className="w-36">Deadline</Th>
                <Th className="w-32">Project</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <Tr key={i.taskRunId}>
                  <Td>
                    <Link href={`/runs/${i.runId}?task=${i.taskRunId}`} className="font-medium text-accent hover:underline">
                      {i.pipelineName} #{i.runNumber}
                    </Link>
                    {i.approval.instructions && (
                      <p className="max-w-md truncate text-xs text-muted" title={i.approval.instructions}>
                        {i.approval.instructions}
                      </p>
                    )}
                  </Td>
                  <Td className="font-mono text-xs">{i.taskName}</Td>
                  <Td className="text-muted">{describeApprovers(i.approval.approvers)}</Td>
                  <Td className="tabular-nums">
                    {i.approval.approvals} of {i.approval.requiredApprovals}
                  </Td>
                  <Td className="text-muted">{i.startedAt ? <RelativeTime date={i.startedAt} /> : "—"}</Td>
                  <Td className="text-muted">{i.approval.deadline ? <RelativeTime date={i.approval.deadline} /> : "—"}</Td>
                  <Td className="text-muted">{i.project}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
