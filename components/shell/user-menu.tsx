"use client";

import { ChevronDown, KeyRound, LogOut, Users } from "lucide-react";
import Link from "next/link";
import { signOut } from "next-auth/react";
import { useEffect, useId, useRef, useState } from "react";
import { useHydrated } from "@/components/ui/use-hydrated";

export interface ShellUser {
  name: string;
  username: string;
  role: string;
}

/** A disclosure (button + panel): closes on Escape (focus goes back to the button) and on a click outside. */
export function UserMenu({ user }: { user: ShellUser }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  // Until React has hydrated the button does nothing: disabled till then, so that a click that
  // early is not silently lost (browsers, and Playwright, wait for it to be enabled).
  const hydrated = useHydrated();
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      // Focus inside the panel would otherwise fall to <body> when the panel goes away.
      if (ref.current?.contains(document.activeElement)) buttonRef.current?.focus();
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  const initials = (user.name || user.username).slice(0, 2).toUpperCase();
  return (
    <div ref={ref} className="relative min-w-0 flex-1">
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        disabled={!hydrated}
        // Named by what it shows (label in name), after a prefix for screen readers: "User menu for <username> …".
        onClick={() => setOpen((o) => !o)}
        className="flex h-9 w-full min-w-0 items-center gap-2 rounded-md px-1.5 text-left hover:bg-surface-2"
      >
        <span
          aria-hidden
          className="flex size-6 shrink-0 items-center justify-center rounded-full bg-accent-soft text-[10px] font-semibold text-accent"
        >
          {initials}
        </span>
        <span className="sr-only">User menu for {user.username}: </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate text-xs font-medium">{user.name}</span>
          <span className="block truncate text-[11px] text-muted">
            {user.username} · {user.role}
          </span>
        </span>
        <ChevronDown className="size-3.5 shrink-0 text-muted" aria-hidden />
      </button>
      {open && (
        <div id={panelId} className="absolute bottom-full left-0 z-30 mb-1 w-48 rounded-md border bg-surface p-1 shadow-lg">
          <Link
            href="/settings/tokens"
            onClick={() => setOpen(false)}
            className="flex h-8 w-full items-center gap-2 rounded px-2 text-sm hover:bg-surface-2"
          >
            <KeyRound className="size-4 text-muted" aria-hidden />
            API tokens
          </Link>
          {user.role === "admin" && (
            <Link
              href="/settings/users"
              onClick={() => setOpen(false)}
              className="flex h-8 w-full items-center gap-2 rounded px-2 text-sm hover:bg-surface-2"
            >
              <Users className="size-4 text-muted" aria-hidden />
              Users
            </Link>
          )}
          <button
            type="button"
            onClick={() => signOut({ callbackUrl: "/login" })}
            className="flex h-8 w-full items-center gap-2 rounded px-2 text-sm hover:bg-surface-2"
          >
            <LogOut className="size-4 text-muted" aria-hidden />
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
