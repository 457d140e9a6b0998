import { ChevronLeft, ChevronRight } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { buttonVariants } from "./button";
import { cn } from "./cn";

/** Previous/next links; `href(page)` builds each page's URL so pages stay linkable. */
export function Pagination({
  page,
  perPage,
  total,
  href,
  label = "Pagination",
}: {
  page: number;
  perPage: number;
  total: number;
  href: (page: number) => string;
  label?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  const first = (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  // The visible word ("Newer", "Older") starts the accessible name, so speech users can say what they see.
  const link = (p: number, children: ReactNode, rel: string, name: string) =>
    p >= 1 && p <= pages ? (
      <Link href={href(p)} rel={rel} className={buttonVariants({ size: "sm" })}>
        {children}
        <span className="sr-only"> ({name})</span>
      </Link>
    ) : (
      <span aria-disabled className={cn(buttonVariants({ size: "sm" }), "pointer-events-none opacity-40")}>
        {children}
      </span>
    );
  return (
    <nav aria-label={label} className="flex items-center justify-between gap-3 px-3 py-2 text-xs text-muted">
      <span>
        {first}–{last} of {total}
      </span>
      <div className="flex items-center gap-1">
        {link(
          page - 1,
          <>
            <ChevronLeft aria-hidden /> Newer
          </>,
          "prev",
          "previous page",
        )}
        <span className="px-2">
          Page {page} of {pages}
        </span>
        {link(
          page + 1,
          <>
            Older <ChevronRight aria-hidden />
          </>,
          "next",
          "next page",
        )}
      </div>
    </nav>
  );
}
