import Link from "next/link";
import { Fragment, type ReactNode } from "react";

export interface Crumb {
  href: string;
  label: ReactNode;
}

/** Where a page sits: links back up, separated by slashes. */
export function Breadcrumbs({ crumbs }: { crumbs: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-1 text-xs text-muted">
      {crumbs.map((c, i) => (
        <Fragment key={c.href}>
          {i > 0 && <span className="mx-1">/</span>}
          <Link href={c.href} className="hover:text-foreground hover:underline">
            {c.label}
          </Link>
        </Fragment>
      ))}
    </nav>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  breadcrumb,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  breadcrumb?: Crumb[];
}) {
  return (
    <header className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        {breadcrumb && <Breadcrumbs crumbs={breadcrumb} />}
        <h1 className="truncate text-lg font-semibold tracking-tight">{title}</h1>
        {description && <div className="mt-0.5 text-sm text-muted">{description}</div>}
      </div>
      {actions && <div className="flex items-center gap-2">{actions}</div>}
    </header>
  );
}
