import type { CoreV1Event } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { EventLines, eventLine } from "./events";

const ev = (uid: string, reason: string, message: string, second: number, over: Partial<CoreV1Event> = {}): CoreV1Event => ({
  metadata: { uid, name: `p1.${uid}` },
  involvedObject: { kind: "Pod", name: "p1" },
  type: "Normal",
  reason,
  message,
  count: 1,
  lastTimestamp: new Date(Date.UTC(2026, 4, 4, 10, 0, second)),
  ...over,
});

describe("pod events next to the log", () => {
  it("reads like kubectl describe: type, reason, object, message, repeats", () => {
    expect(
      eventLine(ev("1", "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.", 0, { type: "Warning", count: 4 })),
    ).toBe("Warning FailedScheduling on pod p1: 0/3 nodes are available: 3 Insufficient memory. (×4)");
  });

  it("shows each event once, in time order, and again when it repeats", () => {
    const lines = new EventLines();
    const pulled = ev("2", "Pulled", 'Successfully pulled image "node:22"', 5);
    const scheduled = ev("1", "Scheduled", "Successfully assigned team/p1 to node-1", 1);
    expect(lines.take([pulled, scheduled])).toEqual([
      "Normal Scheduled on pod p1: Successfully assigned team/p1 to node-1",
      'Normal Pulled on pod p1: Successfully pulled image "node:22"',
    ]);
    expect(lines.take([pulled, scheduled])).toEqual([]);
    const backoff = ev("3", "BackOff", 'Back-off pulling image "node:222"', 9, { type: "Warning" });
    expect(lines.take([pulled, scheduled, backoff])).toEqual(['Warning BackOff on pod p1: Back-off pulling image "node:222"']);
    expect(lines.take([{ ...backoff, count: 3, lastTimestamp: new Date(Date.UTC(2026, 4, 4, 10, 0, 40)) }])).toEqual([
      'Warning BackOff on pod p1: Back-off pulling image "node:222" (×3)',
    ]);
  });

  it("does not show again the events a previous operator already wrote to the log", () => {
    const first = ev("1", "Scheduled", "assigned to node-0", 0);
    const lines = new EventLines([eventLine(first)]);
    expect(lines.take([first, ev("2", "Pulled", "image present", 1)])).toEqual(["Normal Pulled on pod p1: image present"]);
  });
});
