import type { Metadata } from "next";
import { NewPipelineForm } from "@/components/pipelines/new-pipeline-form";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "New pipeline" };

export default function NewPipelinePage() {
  return (
    <>
      <PageHeader
        title="New pipeline"
        description="The spec is checked as you type; the catalog (templates and their params) is checked when you create it."
        breadcrumb={[{ href: "/pipelines", label: "Pipelines" }]}
      />
      <NewPipelineForm />
    </>
  );
}
