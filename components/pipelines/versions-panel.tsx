"use client";

import { GitCompare, History, LoaderCircle, RotateCcw } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { stringify } from "yaml";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { restoreVersionAction } from "@/server/actions/versions";
import { VersionDiff, type DiffSide } from "./version-diff";

export interface VersionRow {
  version: number;
  message: string | null;
  author: string | null;
  /** The commit a pipeline kept in its repository was read from. */
  commit?: { sha: string; url?: string } | null;
  createdAt: Date;
  runs: number;
  lastRun: { id: string; number: number } | null;
}

/** Versions tab: history with runs, compare two versions side by side, restore an old one. */
export function VersionsPanel({
  pipelineId,
  current,
  versions,
  canRestore = true,
}: {
  pipelineId: string;
  current: number;
  versions: VersionRow[];
  canRestore?: boolean;
}) {
  const router = useRouter();
  const toast = useToast();
  const [selected, setSelected] = useState<number[]>([]);
  const [diff, setDiff] = useState<{ left: DiffSide; right: DiffSide } | null>(null);
  const [loading, setLoading] = useState(false);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [pending, start] = useTransition();

  const toggle = (v: number) => setSelected((s) => (s.includes(v) ? s.filter((x) => x !== v) : [...s, v].slice(-2)));

  const compare = async () => {
    const [a, b] = [...selected].sort((x, y) => x - y);
    setLoading(true);
    try {
      const sides = await Promise.all(
        [a, b].map(async (n) => {
          const res = await fetch(`/api/v1/pipelines/${pipelineId}/versions/${n}`);
          if (!res.ok) throw new Error(`version ${n}: ${(await res.json().catch(() => null))?.error?.message ?? res.statusText}`);
          const v = await res.json();
          return { version: n, text: v.source ?? stringify(v.spec), spec: v.spec } satisfies DiffSide;
        }),
      );
      setDiff({ left: sides[0], right: sides[1] });
    } catch (e) {
      toast({ tone: "error", title: "Could not load the versions", description: (e as Error).message });
    } finally {
      setLoading(false);
    }
  };

  const restore = (n: number) =>
    start(async () => {
      const r = await restoreVersionAction({ pipelineId, version: n, baseVersion: current });
      setRestoring(null);
      if (r.ok) {
        toast({ tone: "success", title: `Restored version ${n} as version ${r.data.version}` });
        setSelected([]);
        setDiff(null);
        router.refresh();
      } else toast({ tone: "error", title: "Not restored", description: r.error.message });
    });

  return (
    <div className="flex flex-col gap-4">
      <Card>
        <CardHeader
          title="History"
          actions={
            <>
              <span className="text-xs text-muted">
                {selected.length < 2 ? "Select two versions to compare" : `Versions ${[...selected].sort((x, y) => x - y).join(" and ")}`}
              </span>
              <Button size="sm" onClick={compare} disabled={selected.length !== 2 || loading}>
                {loading ? <LoaderCircle className="animate-spin" aria-hidden /> : <GitCompare aria-hidden />} Compare
              </Button>
            </>
          }
        />
        <Table aria-label="Versions">
          <thead>
            <tr>
              <Th className="w-10">
                <span className="sr-only">Compare</span>
              </Th>
              <Th className="w-44">Version</Th>
              <Th>Message</Th>
              <Th className="w-28">Author</Th>
              <Th className="w-32">Saved</Th>
              <Th className="w-32">Runs</Th>
              <Th className="w-28">
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <Tr key={v.version}>
                <Td>
                  <input
                    type="checkbox"
                    aria-label={`Select version ${v.version} for comparison`}
                    checked={selected.includes(v.version)}
                    onChange={() => toggle(v.version)}
                    className="size-4 accent-[var(--accent)]"
                  />
                </Td>
                <Td className="whitespace-nowrap">
                  <Link href={`/pipelines/${pipelineId}/versions/${v.version}`} className="font-medium text-accent hover:underline">
                    Version {v.version}
                  </Link>
                  {v.version === current && (
                    <span className="ml-2 rounded bg-accent-soft px-1.5 py-0.5 text-[11px] text-accent">current</span>
                  )}
                </Td>
                <Td className="max-w-0 truncate text-muted">{v.message ?? <span className="italic">no message</span>}</Td>
                <Td className="text-muted">
                  {v.author ?? "—"}
                  {v.commit && (
                    <span className="ml-1.5 font-mono text-xs">
                      {/* safeHttpUrl'd when the webhook was received */}
                      {v.commit.url ? (
                        <a href={v.commit.url} className="text-accent underline underline-offset-2" rel="noreferrer">
                          {v.commit.sha.slice(0, 7)}
                        </a>
                      ) : (
                        v.commit.sha.slice(0, 7)
                      )}
                    </span>
                  )}
                </Td>
                <Td className="text-muted">
                  <RelativeTime date={v.createdAt} />
                </Td>
                <Td className="text-muted">
                  {v.runs === 0 || !v.lastRun ? (
                    "no runs"
                  ) : (
                    <Link href={`/runs/${v.lastRun.id}`} className="hover:underline" title={`latest: run #${v.lastRun.number}`}>
                      {v.runs} run{v.runs > 1 ? "s" : ""} · #{v.lastRun.number}
                    </Link>
                  )}
                </Td>
                <Td className="text-right">
                  {canRestore && v.version !== current && (
                    <Button size="sm" variant="ghost" onClick={() => setRestoring(v.version)} aria-label={`Restore version ${v.version}`}>
                      <RotateCcw aria-hidden /> Restore
                    </Button>
                  )}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      </Card>

      {diff && (
        <Card>
          <CardHeader
            title={`Version ${diff.left.version} → version ${diff.right.version}`}
            actions={
              <Button size="sm" variant="ghost" onClick={() => setDiff(null)}>
                Close
              </Button>
            }
          />
          <VersionDiff left={diff.left} right={diff.right} />
        </Card>
      )}

      <Dialog open={restoring !== null} onOpenChange={(o) => !o && setRestoring(null)}>
        <DialogContent
          title={`Restore version ${restoring}?`}
          description={`Saves version ${restoring}'s spec as version ${current + 1}. No version is deleted.`}
        >
          <div className="flex justify-end gap-2 px-4 py-3">
            <DialogClose asChild>
              <Button variant="ghost">Cancel</Button>
            </DialogClose>
            <Button variant="primary" onClick={() => restoring !== null && restore(restoring)} disabled={pending}>
              {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <History aria-hidden />}
              Restore version {restoring}
            </Button>
          </div>
        </DialogContent>
      </Dialog>
    </div>
  );
}
