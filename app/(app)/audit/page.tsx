import { ScrollText } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { auditScopeView, listAuditOp, listProjectAuditOp } from "@/server/audit/operations";
import { pageCall } from "@/server/operations/page";

export const metadata: Metadata = { title: "Audit" };

type Search = { project?: string; actor?: string; action?: string; since?: string; before?: string };

/** Who changed what, when and from where, in the projects whose trail the user may read. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  // The projects whose trail the user may read: a project they may not read shows all of theirs.
  const {
    data: { projects, siteWide },
  } = await pageCall(auditScopeView, {});
  const chosen = projects.find((p) => p.slug === sp.project);
  // The form is forgiving (a date, blank fields): what it cannot read is left out, not an error.
  const filters = {
    actor: sp.actor?.trim() || undefined,
    action: sp.action?.trim() || undefined,
    since: sp.since && !Number.isNaN(Date.parse(sp.since)) ? new Date(sp.since).toISOString() : undefined,
    before: sp.before && /^\d+$/.test(sp.before) ? sp.before : undefined,
    limit: "50",
  };
  // The same operations as GET /api/v1/audit and /api/v1/projects/{project}/audit.
  const { data: page } = chosen
    ? await pageCall(listProjectAuditOp, { project: chosen.slug, ...filters })
    : await pageCall(listAuditOp, filters);
  const next = page.next
    ? `/audit?${new URLSearchParams({ ...Object.fromEntries(Object.entries(sp).filter(([, v]) => v)), before: String(page.next) })}`
    : null;
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every change of pipelines, templates, members, secrets and tokens, and every run, cancel and approval."
      />
      <Card className="mb-3">
        <form method="get" className="flex flex-wrap items-end gap-3 p-3" aria-label="Filter the audit trail">
          <div className="grid gap-1">
            <Label htmlFor="audit-project">Project</Label>
            <Select id="audit-project" name="project" defaultValue={sp.project ?? ""} className="w-48">
              <option value="">{siteWide ? "All (site-wide too)" : "All my projects"}</option>
              {projects.map((p) => (
                <option key={p.slug} value={p.slug}>
                  {p.name}
                </option>
              ))}
            </Select>
          </div>
          <div className="grid gap-1">
            <Label htmlFor="audit-actor">User</Label>
            <Input id="audit-actor" name="actor" defaultValue={sp.actor ?? ""} className="w-40" />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="audit-action">Action</Label>
            <Input id="audit-action" name="action" placeholder="run, secret.delete…" defaultValue={sp.action ?? ""} className="w-44" />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="audit-since">Since</Label>
            <Input id="audit-since" name="since" type="date" defaultValue={sp.since ?? ""} className="w-40" />
          </div>
          <Button type="submit" variant="secondary">
            Filter
          </Button>
        </form>
      </Card>
      <Card>
        {page.items.length === 0 ? (
          <EmptyState icon={ScrollText} title="Nothing recorded here">
            {!siteWide && projects.length === 0
              ? "The audit trail is for maintainers and owners of a project."
              : "Changes and runs show up here as they happen; widen the filters to see more."}
          </EmptyState>
        ) : (
          <Table aria-label="Audit events">
            <thead>
              <tr>
                <Th className="w-36">When</Th>
                <Th className="w-32">User</Th>
                <Th className="w-44">Action</Th>
                <Th>Target</Th>
                <Th className="w-32">Project</Th>
                <Th className="w-32">Address</Th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <Tr key={e.id}>
                  <Td className="text-muted">
                    <RelativeTime date={e.createdAt} />
                  </Td>
                  <Td>{e.actor}</Td>
                  <Td className="font-mono text-xs">{e.action}</Td>
                  <Td className="max-w-0 truncate" title={e.details ? JSON.stringify(e.details) : undefined}>
                    <span className="text-muted">{e.target.type}</span> {e.target.name ?? e.target.id}
                  </Td>
                  <Td className="text-muted">{e.project ?? "—"}</Td>
                  <Td className="font-mono text-xs text-muted">{e.address ?? "—"}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
        {next && (
          <div className="border-t p-2 text-right text-sm">
            <Link href={next} className="text-accent hover:underline">
              Older events →
            </Link>
          </div>
        )}
      </Card>
    </>
  );
}
