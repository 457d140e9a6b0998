import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunDetail } from "@/components/runs/run-detail";
import { AppError } from "@/lib/errors";
import { getDb } from "@/server/db/client";
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
  const { can } = await pageAccess(requireRun(getDb(), await pageActor(), id, "project.view"));
  return <RunDetail initial={runJson(view)} initialTask={typeof task === "string" ? task : null} can={can} />;
}
