"use client";

import type { ReactNode } from "react";
import { Tabs } from "./tabs";

/** Tabs whose choice is kept in `?tab=`, so a reload or a shared link opens the same one. */
export function UrlTabs({ defaultValue, children, className }: { defaultValue: string; children: ReactNode; className?: string }) {
  return (
    <Tabs
      defaultValue={defaultValue}
      className={className}
      onValueChange={(v) => {
        const url = new URL(window.location.href);
        url.searchParams.set("tab", v);
        url.searchParams.delete("page");
        window.history.replaceState(null, "", url);
      }}
    >
      {children}
    </Tabs>
  );
}
