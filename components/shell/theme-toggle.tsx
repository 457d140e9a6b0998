"use client";

import { Monitor, Moon, Sun } from "lucide-react";
import { useSyncExternalStore } from "react";
import { Button } from "@/components/ui/button";
import { applyTheme, THEME_KEY, type Theme } from "./theme";

const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const ICON = { system: Monitor, light: Sun, dark: Moon };

// The stored choice is the source of truth; toggles in this page hear of a change through here.
const listeners = new Set<() => void>();
const subscribe = (onChange: () => void) => {
  listeners.add(onChange);
  return () => listeners.delete(onChange);
};
function storedTheme(): Theme {
  const t = localStorage.getItem(THEME_KEY);
  return t === "light" || t === "dark" ? t : "system";
}
function storeTheme(t: Theme) {
  if (t === "system") localStorage.removeItem(THEME_KEY);
  else localStorage.setItem(THEME_KEY, t);
  for (const l of listeners) l();
}

export function ThemeToggle() {
  // The server, and the page while it hydrates, know no choice: "system" until then.
  const theme = useSyncExternalStore(subscribe, storedTheme, () => "system" as const);
  const Icon = ICON[theme];
  return (
    <Button
      variant="ghost"
      size="icon-sm"
      aria-label={`Theme: ${theme}. Switch to ${NEXT[theme]}`}
      title={`Theme: ${theme}`}
      onClick={() => {
        const t = NEXT[theme];
        applyTheme(t);
        storeTheme(t);
      }}
    >
      <Icon />
    </Button>
  );
}
