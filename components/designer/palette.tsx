"use client";

import { Search } from "lucide-react";
import { useMemo, useState } from "react";
import { Input } from "@/components/ui/input";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import { TEMPLATE_MIME } from "./canvas";
import { TemplateIcon } from "./template-icon";

/**
 * The catalog, grouped by category. An item is dragged onto a stage, or activated (click,
 * Enter) to add it to the selected stage — the keyboard path.
 */
export function Palette({
  templates,
  target,
  onPick,
}: {
  templates: PaletteTemplate[];
  target: string;
  onPick: (t: PaletteTemplate) => void;
}) {
  const [q, setQ] = useState("");
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const hits = templates.filter(
      (t) =>
        !t.deprecated &&
        (!needle ||
          t.title.toLowerCase().includes(needle) ||
          t.name.includes(needle) ||
          t.category.includes(needle) ||
          t.description.toLowerCase().includes(needle)),
    );
    const by = new Map<string, PaletteTemplate[]>();
    for (const t of hits) by.set(t.category, [...(by.get(t.category) ?? []), t]);
    return [...by.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [templates, q]);

  return (
    <aside aria-label="Template palette" className="flex min-h-0 flex-col border-r bg-surface">
      <div className="border-b p-2">
        <div className="relative">
          <Search className="pointer-events-none absolute top-1/2 left-2 size-3.5 -translate-y-1/2 text-muted" aria-hidden />
          <Input
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="Search templates"
            aria-label="Search templates"
            className="h-8 pl-7 text-xs"
          />
        </div>
        <p className="mt-1.5 px-0.5 text-[11px] leading-snug text-muted">
          Drag onto a stage, or press Enter to add to <span className="font-medium text-foreground">{target}</span>.
        </p>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-1.5">
        {groups.length === 0 && <p className="p-3 text-center text-xs text-muted">No template matches “{q}”.</p>}
        {groups.map(([category, items]) => (
          <section key={category} aria-label={`${category} templates`} className="mb-2">
            <h3 className="px-1.5 pt-1 pb-0.5 text-[10px] font-semibold tracking-wider text-muted uppercase">{category}</h3>
            <ul>
              {items.map((t) => (
                <li key={t.name}>
                  <button
                    type="button"
                    draggable
                    onDragStart={(e) => {
                      e.dataTransfer.setData(TEMPLATE_MIME, t.name);
                      e.dataTransfer.effectAllowed = "copy";
                    }}
                    onClick={() => onPick(t)}
                    title={t.description}
                    className="flex w-full cursor-grab items-center gap-2 rounded-md px-1.5 py-1.5 text-left hover:bg-surface-2 focus-visible:bg-surface-2 focus-visible:outline-2 focus-visible:outline-ring active:cursor-grabbing"
                  >
                    <span className="grid size-7 shrink-0 place-items-center rounded-md border bg-surface-2 text-accent">
                      <TemplateIcon icon={t.icon} className="size-4" />
                    </span>
                    <span className="min-w-0">
                      <span className="block truncate text-xs font-medium">
                        <span className="sr-only">Add </span>
                        {t.title}
                      </span>
                      <span className="block truncate text-[11px] text-muted">{t.description.split("\n")[0]}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </aside>
  );
}
