"use client";

import { RotateCcw, Webhook } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import type { TriggerSpec } from "@/lib/triggers";
import { replayDeliveryAction } from "@/server/actions/hooks";

export interface DeliveryRow {
  id: string;
  provider: string;
  deliveryId: string;
  event: string | null;
  result: string;
  message: string | null;
  runId: string | null;
  runNumber: number | null;
  replayOf: string | null;
  createdAt: string;
}

const RESULT_TONE: Record<string, string> = {
  accepted: "text-success",
  skipped: "text-muted",
  rejected: "text-danger",
  failed: "text-danger",
};

const HOW: Record<string, string> = {
  github: "GitHub → Settings → Webhooks: content type application/json, the secret below, events push and pull requests.",
  gitea: "Gitea → Settings → Webhooks → Gitea: content type application/json, the secret below, push and pull request events.",
  gitlab: "GitLab → Settings → Webhooks: secret token = the secret below; push, tag push and merge request events.",
  registry: "Harbor (webhook, auth header) or the Docker registry (notifications endpoint headers): Authorization = the secret.",
  generic: "POST JSON with X-Gantry-Signature: sha256=<HMAC-SHA256 of the body with the secret>.",
};

/** The pipeline's webhook triggers (from its spec) with their URLs, and its last deliveries. */
export function TriggersPanel({
  pipelineId,
  origin,
  triggers,
  deliveries,
  canReplay,
}: {
  pipelineId: string;
  origin: string;
  triggers: TriggerSpec[];
  deliveries: DeliveryRow[];
  canReplay: boolean;
}) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  return (
    <div className="grid gap-4">
      <Card>
        <CardHeader title="Webhook triggers" />
        {triggers.length === 0 ? (
          <EmptyState icon={Webhook} title="No triggers">
            Add a <code className="font-mono text-xs">triggers:</code> list to the spec (provider, the project secret that signs deliveries,
            and filters on events, branches, tags and paths) to start runs from pushes, merge requests and image pushes.
          </EmptyState>
        ) : (
          <Table aria-label="Webhook triggers">
            <thead>
              <tr>
                <Th className="w-24">Provider</Th>
                <Th>URL to configure</Th>
                <Th className="w-40">Secret</Th>
                <Th>Filters</Th>
              </tr>
            </thead>
            <tbody>
              {triggers.map((t, i) => (
                <Tr key={i}>
                  <Td className="font-medium">{t.provider}</Td>
                  <Td>
                    <code className="break-all font-mono text-xs">{`${origin}/api/v1/hooks/${t.provider}/${pipelineId}`}</code>
                    <p className="text-xs text-muted">{HOW[t.provider]}</p>
                  </Td>
                  <Td className="font-mono text-xs">{t.secret}</Td>
                  <Td className="text-xs text-muted">
                    {[
                      t.events && `events ${t.events.join(", ")}`,
                      t.branches && `branches ${t.branches.join(", ")}`,
                      t.tags && `tags ${t.tags.join(", ")}`,
                      t.paths && `paths ${t.paths.join(", ")}`,
                    ]
                      .filter(Boolean)
                      .join(" · ") || "every event"}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <Card>
        <CardHeader title="Recent deliveries" />
        {deliveries.length === 0 ? (
          <EmptyState icon={Webhook} title="No deliveries yet">
            Deliveries show up here with what Gantry did with each: started a run, skipped it (and why), or refused it.
          </EmptyState>
        ) : (
          <Table aria-label="Webhook deliveries">
            <thead>
              <tr>
                <Th className="w-32">Received</Th>
                <Th className="w-24">Provider</Th>
                <Th className="w-40">Event</Th>
                <Th className="w-24">Result</Th>
                <Th>What happened</Th>
                {canReplay && <Th className="w-24 text-right">Replay</Th>}
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <Tr key={d.id}>
                  <Td className="text-muted">
                    <RelativeTime date={d.createdAt} />
                  </Td>
                  <Td>{d.provider}</Td>
                  <Td className="font-mono text-xs" title={d.deliveryId}>
                    {d.event ?? "—"}
                    {d.replayOf && <span className="ml-1 text-muted">(replay)</span>}
                  </Td>
                  <Td className={RESULT_TONE[d.result] ?? ""}>{d.result}</Td>
                  <Td className="max-w-0 truncate" title={d.message ?? undefined}>
                    {d.runId ? (
                      <Link href={`/runs/${d.runId}`} className="text-accent underline underline-offset-2">
                        run #{d.runNumber}
                      </Link>
                    ) : null}{" "}
                    <span className="text-muted">{d.message}</span>
                  </Td>
                  {canReplay && (
                    <Td className="text-right">
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Replay delivery ${d.deliveryId}`}
                        disabled={pending}
                        onClick={() =>
                          start(async () => {
                            const r = await replayDeliveryAction(d.id, pipelineId);
                            if (r.ok) {
                              toast({
                                tone: "success",
                                title: r.data.result === "accepted" ? "Replayed: run started" : `Replayed: ${r.data.result}`,
                                description: r.data.message,
                              });
                              router.refresh();
                            } else toast({ tone: "error", title: "Replay failed", description: r.error.message });
                          })
                        }
                      >
                        <RotateCcw aria-hidden />
                      </Button>
                    </Td>
                  )}
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
