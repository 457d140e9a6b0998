import { Blocks, Plus, Search } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { TemplateIcon } from "@/components/catalog/template-icon";
import { buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { pageCall } from "@/server/operations/page";
import { listTemplatesOp } from "@/server/templates/operations";

export const metadata: Metadata = { title: "Catalog" };

type Props = { searchParams: Promise<{ q?: string }> };

export default async function CatalogPage({ searchParams }: Props) {
  const q = ((await searchParams).q ?? "").trim().toLowerCase();
  // The same operation as GET /api/v1/templates.
  const all = (await pageCall(listTemplatesOp, {})).data.items;
  const shown = all.filter((t) => !q || [t.name, t.title, t.category, t.description].some((s) => s.toLowerCase().includes(q)));
  const byCategory = new Map<string, typeof shown>();
  for (const t of shown) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t]);

  return (
    <>
      <PageHeader
        title="Catalog"
        description="Task templates: each a container image and a params form. Local ones also run without a cluster."
        actions={
          <Link href="/catalog/new" className={buttonVariants({ variant: "primary" })}>
            <Plus aria-hidden /> Add template
          </Link>
        }
      />
      <form role="search" className="mb-4 flex max-w-md items-center gap-2" action="/catalog">
        <label htmlFor="catalog-q" className="sr-only">
          Search templates
        </label>
        <Input id="catalog-q" name="q" type="search" defaultValue={q} placeholder="Search by name, category or description" />
        <button type="submit" className={buttonVariants({ variant: "secondary" })}>
          <Search aria-hidden /> Search
        </button>
      </form>
      {shown.length === 0 ? (
        <Card>
          <EmptyState icon={Blocks} title={q ? `No template matches “${q}”` : "The catalog is empty"}>
            {q ? (
              <Link href="/catalog" className="text-accent hover:underline">
                Show all templates
              </Link>
            ) : (
              "Add one with the Add template button."
            )}
          </EmptyState>
        </Card>
      ) : (
        <div className="flex flex-col gap-6">
          {[...byCategory].map(([category, items]) => (
            <section key={category} aria-labelledby={`cat-${category}`}>
              <h2 id={`cat-${category}`} className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">
                {category} <span className="font-normal">· {items.length}</span>
              </h2>
              <ul className="grid grid-cols-[repeat(auto-fill,minmax(16rem,1fr))] gap-3">
                {items.map((t) => (
                  <li key={t.name}>
                    <Link
                      href={`/catalog/${t.name}`}
                      className="flex h-full flex-col gap-1.5 rounded-lg border bg-surface p-3 hover:border-accent/60 hover:bg-surface-2"
                    >
                      <span className="flex items-center gap-2">
                        <TemplateIcon name={t.icon} className="size-5 shrink-0 text-accent" />
                        <span className="truncate font-medium">{t.title}</span>
                      </span>
                      <span className="line-clamp-2 text-xs text-muted">{t.description}</span>
                      <span className="mt-auto flex flex-wrap gap-1.5 pt-1 text-[11px]">
                        <span className="rounded border px-1.5 py-0.5 font-mono text-muted">{t.name}</span>
                        <span
                          className={
                            t.local.supported
                              ? "rounded bg-accent-soft px-1.5 py-0.5 text-accent"
                              : "rounded border px-1.5 py-0.5 text-muted"
                          }
                        >
                          {t.local.supported ? "local + cluster" : "cluster only"}
                        </span>
                        {t.verification?.status === "not-proven" && (
                          <span className="rounded bg-warning-soft px-1.5 py-0.5 text-warning" title={t.verification.note}>
                            not proven here
                          </span>
                        )}
                        {t.deprecated && <span className="rounded bg-danger-soft px-1.5 py-0.5 text-danger">deprecated</span>}
                        {!t.builtin && <span className="rounded border px-1.5 py-0.5 text-muted">custom</span>}
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}
    </>
  );
}
