import { KeyRound, Settings, Users } from "lucide-react";
import type { Metadata } from "next";
import { MembersPanel } from "@/components/projects/members-panel";
import { SecretsPanel } from "@/components/projects/secrets-panel";
import { SettingsForm } from "@/components/projects/settings-form";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { UrlTabs } from "@/components/ui/url-tabs";
import { requireProject } from "@/server/authz/authz";
import { pageAccess, pageActor } from "@/server/authz/page";
import { getDb } from "@/server/db/client";
import { getProject, listMembers } from "@/server/projects/projects";
import { listSecrets } from "@/server/secrets/secrets";

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ tab?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Project ${(await params).slug}` };
}

export default async function ProjectPage({ params, searchParams }: Props) {
  const [{ slug }, sp] = await Promise.all([params, searchParams]);
  const db = getDb();
  const actor = await pageActor();
  const access = await pageAccess(requireProject(db, actor, slug, "project.view"));
  const { can } = access;
  const [project, members, secrets] = await Promise.all([getProject(db, actor, access), listMembers(db, access.projectId), listSecrets(db, access.projectId)]);
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
              your role: <strong className="capitalize">{project.role}</strong> · namespace <code className="font-mono">{project.namespace}</code>
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
            <SecretsPanel
              slug={project.slug}
              secrets={secrets.map((x) => ({ name: x.name, description: x.description, createdBy: x.createdBy, updatedAt: x.updatedAt.toISOString() }))}
              canManage={can.includes("secret.manage")}
            />
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
        </TabsContent>
      </UrlTabs>
    </>
  );
}
