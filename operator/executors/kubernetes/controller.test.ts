import type { CoreV1Event } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { eventBuildJobKey } from "./controller";

const ev = (kind: string, name: string): CoreV1Event => ({
  metadata: { name: "e", namespace: "team" },
  involvedObject: { kind, name, namespace: "team" },
});

describe("events reach the BuildJob they are about", () => {
  it("maps Job events and pod events (the Job's name plus a suffix) to the BuildJob named like the Job", () => {
    expect(eventBuildJobKey(ev("Job", "gantry-abc-a1"))).toEqual(["team/gantry-abc-a1"]);
    expect(eventBuildJobKey(ev("Pod", "gantry-abc-a1-x7k2p"))).toEqual(["team/gantry-abc-a1"]);
  });

  it("ignores events about objects Gantry did not make", () => {
    expect(eventBuildJobKey(ev("Pod", "web-5d9c7-x7k2p"))).toEqual([]);
    expect(eventBuildJobKey(ev("Node", "gantry-node"))).toEqual([]);
  });
});
