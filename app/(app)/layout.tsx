import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Sidebar } from "@/components/shell/sidebar";
import { currentUser } from "@/server/auth/authenticate";

/** Every page inside needs a signed-in user (proxy.ts adds the callbackUrl; this is the real check). */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/login");
  return (
    <div className="flex h-full min-h-0">
      <Sidebar user={{ name: user.name, username: user.username, role: user.role }} />
      <main className="min-w-0 flex-1 overflow-y-auto">
        <div className="mx-auto w-full max-w-[1400px] px-6 py-5">{children}</div>
      </main>
    </div>
  );
}
