import type { ReactNode } from "react";
import { Sidebar } from "@/components/shell/sidebar";
import { pageCall } from "@/server/operations/page";
import { currentProjectSlug } from "@/server/projects/current";
import { projectChoicesView } from "@/server/projects/operations";

/** Every page inside needs a signed-in user (proxy.ts adds the callbackUrl; pageCall is the real check). */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const [{ data: projects, actor: user }, current] = await Promise.all([pageCall(projectChoicesView, {}), currentProjectSlug()]);
  return (
    <div className="flex h-full min-h-0">
      <Sidebar
        user={{ name: user.name, username: user.username, role: user.role }}
        projects={projects}
        currentProject={projects.some((p) => p.slug === current) ? current : null}
      />
      <main className="min-w-0 flex-1 overflow-y-auto">
        <div className="mx-auto w-full max-w-[1400px] px-6 py-5">{children}</div>
      </main>
    </div>
  );
}
