import { FileCode, FileUp, Workflow } from "lucide-react";
import type { Metadata } from "next";
import { paletteTemplates } from "@/components/designer/design-tab";
import { NewPipelineDesign } from "@/components/designer/new-pipeline-design";
import { ImportPipeline } from "@/components/pipelines/import-pipeline";
import { NewPipelineForm } from "@/components/pipelines/new-pipeline-form";
import { PageHeader } from "@/components/ui/page-header";
import { TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { UrlTabs } from "@/components/ui/url-tabs";
import { pageCall } from "@/server/operations/page";
import { listTemplatesOp } from "@/server/templates/operations";

export const metadata: Metadata = { title: "New pipeline" };

const TABS = ["design", "yaml", "import"] as const;

/** A new pipeline starts in the designer; YAML and an exported file are the other ways in. */
export default async function NewPipelinePage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const sp = await searchParams;
  const tab = TABS.find((t) => t === sp.tab) ?? "design";
  // The palette and forms: the same catalog as GET /api/v1/templates.
  const { data: catalog } = await pageCall(listTemplatesOp, {});
  return (
    <>
      <PageHeader
        title="New pipeline"
        description="Name it, then add tasks from the palette to its first stage. Every change is checked as you make it; the pipeline is created when you save."
        breadcrumb={[{ href: "/pipelines", label: "Pipelines" }]}
      />
      <UrlTabs defaultValue={tab}>
        <TabsList aria-label="How to start">
          <TabsTrigger value="design">
            <Workflow aria-hidden /> Designer
          </TabsTrigger>
          <TabsTrigger value="yaml">
            <FileCode aria-hidden /> Start from YAML
          </TabsTrigger>
          <TabsTrigger value="import">
            <FileUp aria-hidden /> Import
          </TabsTrigger>
        </TabsList>
        {/* Kept mounted while another tab shows, so a design survives a look at the YAML starter. */}
        <TabsContent value="design" forceMount className="data-[state=inactive]:hidden">
          <NewPipelineDesign templates={paletteTemplates(catalog.items)} />
        </TabsContent>
        <TabsContent value="yaml">
          <NewPipelineForm />
        </TabsContent>
        <TabsContent value="import" className="flex flex-col gap-3">
          <p className="flex flex-wrap items-center gap-3 text-sm text-muted">
            <ImportPipeline /> a <code className="font-mono text-xs">.gantry.yaml</code> or a file from Export YAML, or paste one below.
          </p>
          <NewPipelineForm initial="" label="Pasted pipeline (YAML)" />
        </TabsContent>
      </UrlTabs>
    </>
  );
}
