import { KeyRound, Settings, Users } from "lucide-react";
import type { Metadata } from "next";
import { MembersPanel } from "@/components/projects/members-panel";
import { SecretsPanel } from "@/components/projects/secrets-panel";
import { SettingsForm } from "@/components/projects/settings-form";
import { PrivilegedBuilds } from "@/components/projects/privileged-builds";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { UrlTabs } from "@/components/ui/url-tabs";
import { pageCall } from "@/server/operations/page";
import { getProjectOp, listMembersOp } from "@/server/projects/operations";
import { listSecretsOp } from "@/server/secrets/operations";

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ tab?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Project ${(await params).slug}` };
}

export default async function ProjectPage({ params, searchParams }: Props) {
  const [{ slug }, sp] = await Promise.all([params, searchParams]);
  // The same operations as GET /api/v1/projects/{project}, …/members and …/secrets.
  const { data: project, can } = await pageCall(getProjectOp, { project: slug });
  const [m, s] = await Promise.all([pageCall(listMembersOp, { project: slug }), pageCall(listSecretsOp, { project: slug })]);
  const [members, secrets] = [m.data.items, s.data.items];
  const tab = sp.tab === "settings" || sp.tab === "secrets" ? sp.tab : "members";
  return (
    <>
      <PageHeader
        breadcrumb={[{ href: "/projects", label: "Projects" }]}
        title={project.name}
        description={
          <span>
            {project.description && <span>{project.description} · </span>}
            <span className="text-xs">
              your role: <strong className="capitalize">{project.role}</strong> · namespace{" "}
              <code className="font-mono">{project.namespace}</code>
            </span>
          </span>
        }
      />
      <UrlTabs defaultValue={tab}>
        <TabsList aria-label="Project sections">
          <TabsTrigger value="members">
            <Users aria-hidden /> Members <span className="text-xs text-muted">{members.length}</span>
          </TabsTrigger>
          <TabsTrigger value="secrets">
            <KeyRound aria-hidden /> Secrets <span className="text-xs text-muted">{secrets.length}</span>
          </TabsTrigger>
          <TabsTrigger value="settings">
            <Settings aria-hidden /> Settings
          </TabsTrigger>
        </TabsList>
        <TabsContent value="members">
          <Card>
            <MembersPanel slug={project.slug} members={members} canManage={can.includes("member.manage")} />
          </Card>
        </TabsContent>
        <TabsContent value="secrets">
          <Card>
            <SecretsPanel slug={project.slug} secrets={secrets} canManage={can.includes("secret.manage")} />
          </Card>
        </TabsContent>
        <TabsContent value="settings">
          <Card>
            <SettingsForm
              slug={project.slug}
              name={project.name}
              description={project.description}
              settings={project.settings}
              namespace={project.namespace}
              canManage={can.includes("project.manage")}
            />
          </Card>
          <Card className="mt-4">
            <PrivilegedBuilds
              slug={project.slug}
              privileged={project.settings.builds?.privileged === true}
              canManage={can.includes("builds.manage")}
            />
          </Card>
        </TabsContent>
      </UrlTabs>
    </>
  );
}
