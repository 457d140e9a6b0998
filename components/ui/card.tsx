import type { ComponentProps, ReactNode } from "react";
import { cn } from "./cn";

export function Card({ className, ...props }: ComponentProps<"section">) {
  return <section className={cn("rounded-lg border bg-surface", className)} {...props} />;
}

export function CardHeader({ title, actions, className, id }: { title: ReactNode; actions?: ReactNode; className?: string; id?: string }) {
  return (
    <div className={cn("flex min-h-10 items-center justify-between gap-3 border-b px-3 py-2", className)}>
      <h2 id={id} className="text-sm font-semibold">
        {title}
      </h2>
      {actions && <div className="flex items-center gap-2">{actions}</div>}
    </div>
  );
}
