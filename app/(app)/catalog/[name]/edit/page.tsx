import type { Metadata } from "next";
import { stringify } from "yaml";
import { TemplateForm } from "@/components/catalog/template-form";
import { PageHeader } from "@/components/ui/page-header";
import { pageCall } from "@/server/operations/page";
import { editableTemplateView } from "@/server/templates/operations";

type Props = { params: Promise<{ name: string }> };

export const metadata: Metadata = { title: "Edit template" };

export default async function EditTemplatePage({ params }: Props) {
  const { name } = await params;
  // Only those who may change it get the editor (built-ins: site administrators); others get the 404 page.
  const { data: t } = await pageCall(editableTemplateView, { name });
  const { version: _v, builtin, deprecated: _d, ...definition } = t;
  return (
    <>
      <PageHeader
        breadcrumb={[
          { href: "/catalog", label: "Catalog" },
          { href: `/catalog/${name}`, label: name },
        ]}
        title={`Edit ${t.title}`}
        description={
          builtin
            ? "Built-in templates cannot be edited; save this under another name with Add template."
            : `Saving creates version ${t.version + 1}; pipelines keep version ${t.version} until they are upgraded.`
        }
      />
      <TemplateForm name={builtin ? undefined : name} initial={stringify(definition)} />
    </>
  );
}
