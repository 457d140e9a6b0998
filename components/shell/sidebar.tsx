"use client";

import { Blocks, ChartColumn, FolderKanban, PlayCircle, ScrollText, Search, UserCheck, Workflow, type LucideIcon } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";
import { ThemeToggle } from "./theme-toggle";
import { UserMenu, type ShellUser } from "./user-menu";
import { ProjectSwitcher, type SwitcherProject } from "./project-switcher";

/** Only sections that have real pages are listed; the rest arrive with their issues. */
const NAV: { href: string; label: string; icon: LucideIcon }[] = [
  { href: "/pipelines", label: "Pipelines", icon: Workflow },
  { href: "/runs", label: "Runs", icon: PlayCircle },
  { href: "/analytics", label: "Analytics", icon: ChartColumn },
  { href: "/approvals", label: "Approvals", icon: UserCheck },
  { href: "/search", label: "Log search", icon: Search },
  { href: "/catalog", label: "Catalog", icon: Blocks },
  { href: "/projects", label: "Projects", icon: FolderKanban },
  { href: "/audit", label: "Audit", icon: ScrollText },
];

export function Sidebar({
  user,
  projects,
  currentProject,
}: {
  user: ShellUser;
  projects: SwitcherProject[];
  currentProject: string | null;
}) {
  const path = usePathname();
  return (
    <aside className="flex w-52 shrink-0 flex-col border-r bg-surface">
      <div className="flex h-12 items-center gap-2 border-b px-4">
        <svg
          viewBox="0 0 24 24"
          className="size-5 text-accent"
          aria-hidden
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
        >
          <path d="M4 20V6l8-3 8 3v14" />
          <path d="M4 10h16M9 10v10M15 10v10" />
        </svg>
        <Link href="/pipelines" className="font-semibold tracking-tight">
          Gantry
        </Link>
      </div>
      <ProjectSwitcher projects={projects} current={currentProject} />
      <nav aria-label="Main" className="flex-1 p-2">
        <ul className="flex flex-col gap-0.5">
          {NAV.map(({ href, label, icon: Icon }) => {
            const active = path === href || path.startsWith(`${href}/`);
            return (
              <li key={href}>
                <Link
                  href={href}
                  aria-current={active ? "page" : undefined}
                  className={cn(
                    "flex h-8 items-center gap-2 rounded-md px-2.5 text-sm text-muted hover:bg-surface-2 hover:text-foreground",
                    active && "bg-accent-soft font-medium text-foreground hover:bg-accent-soft",
                  )}
                >
                  <Icon className={cn("size-4", active && "text-accent")} aria-hidden />
                  {label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="flex items-center gap-1 border-t p-2">
        <UserMenu user={user} />
        <ThemeToggle />
      </div>
    </aside>
  );
}
