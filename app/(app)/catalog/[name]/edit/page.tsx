import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { stringify } from "yaml";
import { TemplateForm } from "@/components/catalog/template-form";
import { PageHeader } from "@/components/ui/page-header";
import { AppError } from "@/lib/errors";
import { getDb } from "@/server/db/client";
import { getTemplate } from "@/server/templates/catalog";
import { mayManageTemplate } from "@/server/authz/authz";
import { pageActor } from "@/server/authz/page";

type Props = { params: Promise<{ name: string }> };

export const metadata: Metadata = { title: "Edit template" };

export default async function EditTemplatePage({ params }: Props) {
  const { name } = await params;
  let t;
  try {
    t = await getTemplate(getDb(), name);
    // Only those who may change it get the editor (built-ins: site administrators).
    if (!(await mayManageTemplate(getDb(), await pageActor(), name))) notFound();
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  }
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
