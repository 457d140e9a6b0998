import { CircleAlert } from "lucide-react";
import type { ReactNode } from "react";
import type { Problem } from "@/lib/designer/problems";

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="border-t px-4 py-3">
      <h3 className="mb-2 text-[11px] font-semibold tracking-wider text-muted uppercase">{title}</h3>
      {children}
    </section>
  );
}

export function ProblemList({ problems, label }: { problems: Problem[]; label: string }) {
  if (!problems.length) return null;
  return (
    <ul aria-label={label} className="mx-4 mb-1 rounded-md border border-danger/30 bg-danger-soft/60 px-2.5 py-1.5 text-xs text-danger">
      {problems.map((p, i) => (
        <li key={i} className="flex gap-1.5 py-0.5">
          <CircleAlert className="mt-px size-3.5 shrink-0" aria-hidden />
          <span className="min-w-0 break-words">
            <span className="font-mono">{p.path}</span>: {p.message}
          </span>
        </li>
      ))}
    </ul>
  );
}
