import type { ReactNode } from "react";

export function PageHeader({ title, description, actions, breadcrumb }: { title: ReactNode; description?: ReactNode; actions?: ReactNode; breadcrumb?: ReactNode }) {
  return (
    <header className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        {breadcrumb && <nav aria-label="Breadcrumb" className="mb-1 text-xs text-muted">{breadcrumb}</nav>}
        <h1 className="truncate text-lg font-semibold tracking-tight">{title}</h1>
        {description && <div className="mt-0.5 text-sm text-muted">{description}</div>}
      </div>
      {actions && <div className="flex items-center gap-2">{actions}</div>}
    </header>
  );
}
