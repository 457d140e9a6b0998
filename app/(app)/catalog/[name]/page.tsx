import { FlaskConical, Monitor, Pencil, Server, UserCheck } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { stringify } from "yaml";
import { TemplateActions } from "@/components/catalog/template-actions";
import { ParamsTable } from "@/components/catalog/params-table";
import { TemplateIcon } from "@/components/catalog/template-icon";
import { buttonVariants } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { pageCall } from "@/server/operations/page";
import { getTemplateOp, listTemplateVersionsOp, templateDetailsView } from "@/server/templates/operations";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { data: t } = await pageCall(getTemplateOp, { name: (await params).name });
  return { title: t.title };
}

export default async function TemplatePage({ params }: Props) {
  const { name } = await params;
  // The same operations as GET /api/v1/templates/{name} and …/versions, and what the page adds:
  // who added it, the pipelines the user may see that use it, whether they may change it.
  const { data: t } = await pageCall(getTemplateOp, { name });
  const [{ data: versions }, { data: details }] = await Promise.all([
    pageCall(listTemplateVersionsOp, { name }),
    pageCall(templateDetailsView, { name }),
  ]);
  const { author, canManage, usage, inUse } = details;
  const example = t.example
    ? stringify({
        ...t.example,
        env: Object.keys(t.example.env ?? {}).length ? t.example.env : undefined,
        retries: t.example.retries || undefined,
      })
    : null;

  return (
    <>
      <PageHeader
        breadcrumb={[{ href: "/catalog", label: "Catalog" }]}
        title={
          <span className="flex items-center gap-2">
            <TemplateIcon name={t.icon} className="size-5 text-accent" />
            {t.title}
            {t.deprecated && <span className="rounded bg-danger-soft px-1.5 py-0.5 text-xs font-normal text-danger">deprecated</span>}
          </span>
        }
        description={
          <span className="text-xs">
            <span className="font-mono">{t.name}</span> · {t.category} · version {t.version} ·{" "}
            {t.builtin ? "built-in" : `custom${author ? `, added by ${author}` : ""}`}
          </span>
        }
        actions={
          !t.builtin &&
          canManage && (
            <>
              <Link href={`/catalog/${t.name}/edit`} className={buttonVariants({ variant: "secondary" })}>
                <Pencil aria-hidden /> Edit
              </Link>
              <TemplateActions name={t.name} deprecated={t.deprecated} inUse={inUse} />
            </>
          )
        }
      />
      <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <div className="flex min-w-0 flex-col gap-4">
          <Card>
            <CardHeader title="About" />
            <div className="flex flex-col gap-2 px-3 py-3 text-sm">
              <p className="whitespace-pre-line">{t.description}</p>
              <p className="text-xs text-muted">
                {t.gate ? (
                  "Decided by the scheduler"
                ) : (
                  <>
                    Image <code className="font-mono">{t.image}</code>
                  </>
                )}
                {t.timeoutSeconds ? ` · timeout ${t.timeoutSeconds} s` : ""}
              </p>
            </div>
          </Card>
          <Card aria-labelledby="params-h">
            <CardHeader id="params-h" title="Params" />
            <ParamsTable schema={t.paramsSchema} />
          </Card>
          {example && (
            <Card aria-labelledby="example-h">
              <CardHeader id="example-h" title="Example task" />
              <pre aria-label="Example task YAML" className="overflow-x-auto px-3 py-3 font-mono text-xs">
                {example}
              </pre>
            </Card>
          )}
        </div>
        <div className="flex min-w-0 flex-col gap-4">
          <Card aria-labelledby="modes-h">
            <CardHeader id="modes-h" title="Where it runs" />
            <ul className="flex flex-col gap-2 px-3 py-3 text-sm">
              {t.gate ? (
                <li className="flex items-start gap-2">
                  <UserCheck className="mt-0.5 size-4 shrink-0 text-accent" aria-hidden />
                  <span>
                    Not a process: a manual {t.gate} gate that the scheduler decides.
                    <span className="block text-xs text-muted">The same on either executor: no pod, no process.</span>
                  </span>
                </li>
              ) : (
                <>
                  <li className="flex items-start gap-2">
                    <Server className="mt-0.5 size-4 shrink-0 text-accent" aria-hidden /> Kubernetes cluster: yes
                  </li>
                  <li className="flex items-start gap-2">
                    <Monitor className={`mt-0.5 size-4 shrink-0 ${t.local.supported ? "text-accent" : "text-muted"}`} aria-hidden />
                    <span>
                      Local process: {t.local.supported ? "yes" : "no"}
                      {t.local.supported && t.local.requires.length > 0 && (
                        <span className="block text-xs text-muted">needs {t.local.requires.join(", ")} on PATH</span>
                      )}
                      {!t.local.supported && t.local.reason && <span className="block text-xs text-muted">{t.local.reason}</span>}
                    </span>
                  </li>
                </>
              )}
            </ul>
          </Card>
          {t.verification && (
            <Card aria-labelledby="verification-h">
              <CardHeader id="verification-h" title="How Gantry tests it" />
              <p className="flex items-start gap-2 px-3 py-3 text-sm">
                <FlaskConical
                  className={`mt-0.5 size-4 shrink-0 ${t.verification.status === "not-proven" ? "text-warning" : "text-muted"}`}
                  aria-hidden
                />
                <span>
                  {t.verification.status === "not-proven" ? "Not proven against its real tool" : "Proven against recorded exchanges"}
                  <span className="block text-xs text-muted">{t.verification.note}</span>
                </span>
              </p>
            </Card>
          )}
          <Card aria-labelledby="versions-h">
            <CardHeader id="versions-h" title="Versions" />
            <Table aria-label="Template versions">
              <thead>
                <tr>
                  <Th>Version</Th>
                  <Th>Image</Th>
                  <Th>Added</Th>
                </tr>
              </thead>
              <tbody>
                {versions.items.map((v) => (
                  <Tr key={v.version}>
                    <Td className="tabular-nums">v{v.version}</Td>
                    <Td className="max-w-0 truncate font-mono text-xs text-muted" title={v.image}>
                      {v.image}
                    </Td>
                    <Td className="text-xs text-muted">
                      <RelativeTime date={v.createdAt} />
                    </Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          </Card>
          <Card aria-labelledby="usage-h">
            <CardHeader id="usage-h" title="Used by" />
            {usage.length === 0 ? (
              <p className="px-3 py-3 text-sm text-muted">No pipeline uses this template.</p>
            ) : (
              <ul aria-label="Pipelines using this template" className="flex flex-col divide-y text-sm">
                {usage.map((u) => (
                  <li key={u.id} className="flex items-center justify-between gap-2 px-3 py-2">
                    <Link href={`/pipelines/${u.id}`} className="truncate text-accent hover:underline">
                      {u.name}
                    </Link>
                    <span className="shrink-0 text-xs text-muted">
                      {u.current
                        ? u.pinnedVersion
                          ? `pinned to v${u.pinnedVersion}`
                          : "current version"
                        : `versions ${u.versions.join(", ")}`}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
