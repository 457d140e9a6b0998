import Link from "next/link";
import { Duration, RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { StatusBadge } from "./status-badge";

export interface RunRow {
  id: string;
  number: number;
  version: number;
  status: string;
  message: string | null;
  trigger: string;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  pipelineId?: string;
  pipelineName?: string;
}

/** Runs, newest first; with `showPipeline`, across pipelines (the Runs page). */
export function RunsTable({ runs, showPipeline = false, label }: { runs: RunRow[]; showPipeline?: boolean; label: string }) {
  return (
    <Table aria-label={label}>
      <thead>
        <tr>
          <Th className="w-20">Run</Th>
          {showPipeline && <Th>Pipeline</Th>}
          <Th className="w-32">Status</Th>
          <Th>Message</Th>
          <Th className="w-20">Version</Th>
          <Th className="w-40">Started</Th>
          <Th className="w-28">Duration</Th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <Tr key={r.id}>
            <Td className="font-medium">
              <Link
                href={`/runs/${r.id}`}
                className="text-accent hover:underline"
                aria-label={`Run #${r.number}${r.pipelineName ? ` of ${r.pipelineName}` : ""}`}
              >
                #{r.number}
              </Link>
            </Td>
            {showPipeline && (
              <Td>
                <Link href={`/pipelines/${r.pipelineId}`} className="hover:underline">
                  {r.pipelineName}
                </Link>
              </Td>
            )}
            <Td>
              <StatusBadge status={r.status} />
            </Td>
            <Td className="max-w-0 truncate text-muted" title={r.message ?? undefined}>
              {r.message ?? `${r.trigger}${r.createdBy ? ` by ${r.createdBy}` : ""}`}
            </Td>
            <Td className="text-muted tabular-nums">v{r.version}</Td>
            <Td className="text-muted">
              <RelativeTime date={r.startedAt ?? r.createdAt} />
            </Td>
            <Td className="text-muted tabular-nums">
              <Duration start={r.startedAt} end={r.finishedAt} />
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
