import type { Metadata } from "next";
import { RunDetail } from "@/components/runs/run-detail";
import { approverIdentity } from "@/server/approvals/approvals";
import { pageCall } from "@/server/operations/page";
import { getRunOp } from "@/server/runs/operations";
import { listArtifactsOp } from "@/server/artifacts/operations";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ task?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { data: run } = await pageCall(getRunOp, { id: (await params).id });
  return { title: `${run.pipelineName} #${run.number}` };
}

/** The same operation as GET /api/v1/runs/{id}: approval gates say whether this user may decide them. */
export default async function RunPage({ params, searchParams }: Props) {
  const [{ id }, { task }] = await Promise.all([params, searchParams]);
  const [{ data: run, actor, access, can }, { data: artifacts }] = await Promise.all([
    pageCall(getRunOp, { id }),
    pageCall(listArtifactsOp, { id }),
  ]);
  return (
    <RunDetail
      initial={run}
      initialTask={typeof task === "string" ? task : null}
      can={can}
      me={approverIdentity(actor, access?.role ?? null)}
      artifacts={artifacts.items}
    />
  );
}
