import type { CoreV1Event } from "@kubernetes/client-node";

/**
 * Kubernetes events of an attempt's Job and pods as lines next to its log (scheduling, image
 * pulls, mount failures, …), like `kubectl describe` shows them. Each event once, in time order;
 * again when the API server folds a repeat into it (its count grows).
 */
export class EventLines {
  /** Event uid (or name) → the count already shown. */
  private readonly shown = new Map<string, number>();
  /** Lines already in the log (written before an operator took the attempt over). */
  private readonly written: Set<string>;

  constructor(alreadyWritten: Iterable<string> = []) {
    this.written = new Set(alreadyWritten);
  }

  take(events: readonly CoreV1Event[]): string[] {
    const fresh = events
      .filter((e) => (e.count ?? 1) > (this.shown.get(idOf(e)) ?? 0))
      .sort((a, b) => at(a) - at(b) || idOf(a).localeCompare(idOf(b)));
    for (const e of fresh) this.shown.set(idOf(e), e.count ?? 1);
    return fresh.map(eventLine).filter((line) => !this.written.delete(line));
  }
}

export function eventLine(e: CoreV1Event): string {
  const obj = e.involvedObject ? `${e.involvedObject.kind?.toLowerCase() ?? "object"} ${e.involvedObject.name ?? ""}`.trim() : "";
  const times = (e.count ?? 1) > 1 ? ` (×${e.count})` : "";
  return `${e.type ?? "Normal"} ${e.reason ?? "Event"}${obj ? ` on ${obj}` : ""}: ${(e.message ?? "").trim()}${times}`;
}

const idOf = (e: CoreV1Event) => e.metadata?.uid ?? e.metadata?.name ?? `${e.reason}/${e.message}`;
const at = (e: CoreV1Event) =>
  new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? 0).getTime() || 0;
