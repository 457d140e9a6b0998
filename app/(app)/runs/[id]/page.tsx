import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunDetail } from "@/components/runs/run-detail";
import { AppError } from "@/lib/errors";
import { getDb } from "@/server/db/client";
import { approverIdentity, markDecidable } from "@/server/approvals/approvals";
import { runJson } from "@/server/http/present";
import { getRunView } from "@/server/runs/queries";
import { requireRun } from "@/server/authz/authz";
import { pageAccess, pageActor } from "@/server/authz/page";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ task?: string }> };

async function load(id: string) {
  await pageAccess(requireRun(getDb(), await pageActor(), id, "project.view"));
  try {
    return await getRunView(getDb(), id);
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const v = await load((await params).id);
  return { title: `${v.pipelineName} #${v.number}` };
}

export default async function RunPage({ params, searchParams }: Props) {
  const [{ id }, { task }] = await Promise.all([params, searchParams]);
  const view = await load(id);
  const actor = await pageActor();
  const { can, role } = await pageAccess(requireRun(getDb(), actor, id, "project.view"));
  const me = approverIdentity(actor, role);
  return <RunDetail initial={runJson(markDecidable(view, me))} initialTask={typeof task === "string" ? task : null} can={can} me={me} />;
}
