import type { Metadata } from "next";
import { headers } from "next/headers";
import { TriggersPanel } from "@/components/pipelines/triggers-panel";
import { PageHeader } from "@/components/ui/page-header";
import { listDeliveriesOp } from "@/server/hooks/operations";
import { pageCall } from "@/server/operations/page";
import { getPipelineOp } from "@/server/pipelines/operations";

type Props = { params: Promise<{ id: string }> };

export const metadata: Metadata = { title: "Triggers" };

/** Webhook triggers of a pipeline, the URLs to give the providers, and the deliveries received. */
export default async function TriggersPage({ params }: Props) {
  const { id } = await params;
  // The same operations as GET /api/v1/pipelines/{id} and …/deliveries.
  const { data: pipeline, can } = await pageCall(getPipelineOp, { id });
  const { data: deliveries } = await pageCall(listDeliveriesOp, { id });
  const h = await headers();
  const origin =
    process.env.GANTRY_PUBLIC_URL?.replace(/\/+$/, "") ?? `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host") ?? "localhost"}`;
  return (
    <>
      <PageHeader
        breadcrumb={[
          { href: "/pipelines", label: "Pipelines" },
          { href: `/pipelines/${id}`, label: pipeline.name },
        ]}
        title="Triggers"
        description="Git pushes, merge requests and image pushes that start this pipeline."
      />
      <TriggersPanel
        pipelineId={id}
        origin={origin}
        triggers={pipeline.spec.triggers ?? []}
        deliveries={deliveries.items}
        canReplay={can.includes("run.start")}
      />
    </>
  );
}
