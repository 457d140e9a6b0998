import { isFinal } from "@/lib/status";
import { runJson } from "../http/present";
import type { RunView } from "../runs/queries";
import type { Hub } from "./hub";
import { HEARTBEAT, HEARTBEAT_MS, sseEvent, sseResponse } from "./sse";

/**
 * A run's changes over SSE: `event: run` with the whole run (the same JSON as GET /runs/{id}) and
 * `id:` = its rev, each time the run or one of its task runs changes; `event: end` once the run
 * is final. With `Last-Event-ID` equal to the current rev, the unchanged run is not sent again.
 */

// Serialised once per view, however many viewers the run has.
const serialised = new WeakMap<RunView, string>();
function dataOf(v: RunView): string {
  let s = serialised.get(v);
  if (!s) serialised.set(v, (s = JSON.stringify(runJson(v))));
  return s;
}

export function runEventsResponse(req: Request, hub: Hub, runId: string, lastRev?: number): Response {
  const { topic, close } = hub.watchRun(runId);
  let sentRev = lastRev ?? -1;
  let ended = false;
  const produce = async (signal: AbortSignal): Promise<string | null> => {
    while (!ended && !signal.aborted) {
      const seen = topic.version;
      if (topic.gone) return null;
      const v = topic.view;
      if (v) {
        let out = "";
        if (v.rev !== sentRev) {
          sentRev = v.rev;
          out = sseEvent(dataOf(v), { event: "run", id: v.rev });
        }
        if (isFinal(v.status)) {
          ended = true;
          out += sseEvent(JSON.stringify({ status: v.status, rev: v.rev }), { event: "end" });
        }
        if (out) return out;
      }
      await topic.wait(seen, HEARTBEAT_MS, signal);
      if (topic.version === seen && !topic.done && !signal.aborted) return HEARTBEAT;
    }
    return null;
  };
  return sseResponse(req, produce, close);
}
