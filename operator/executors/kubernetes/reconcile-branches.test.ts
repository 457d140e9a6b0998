import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { BuildJob, BuildJobStatus } from "./buildjob-schema";
import { KubeApiError, paths } from "./kube-api";
import { jobName } from "./names";
import { Reconciler, type ReconcileCaches } from "./reconcile";
import { sampleBuildJob, TASK_RUN_ID } from "./test-fixtures";

/**
 * Every branch of one reconcile (STYLE.md #13), driven from faked informer caches and a recording
 * API: what the controller reads decides which calls it makes, what status it writes and when it
 * looks again. Time is the injected clock, never the wall clock.
 */

const NOW = new Date("2026-05-04T10:00:30Z");
const T0 = "2026-05-04T10:00:00Z";
const NS = "team-shop";
const JOB = jobName(TASK_RUN_ID, 1);
const RETENTION_MS = 3_600_000;
const RESYNC_MS = 30_000;

type Call = [verb: "get" | "create" | "mergePatch" | "delete", path: string, body?: unknown];

interface World {
  buildJob?: unknown;
  job?: V1Job;
  pods?: V1Pod[];
  /** What a direct GET of the Job answers (after the cache had none). */
  getJob?: V1Job | "NotFound";
  /** What creating the Job answers. */
  createJob?: "AlreadyExists";
}

function harness(w: World) {
  const calls: Call[] = [];
  const caches: ReconcileCaches = {
    buildJob: (ns, name) => (w.buildJob && ns === NS && name === sampleBuildJob().metadata.name ? w.buildJob : undefined),
    job: (ns, name) => (ns === NS && name === JOB ? w.job : undefined),
    pods: () => w.pods ?? [],
    events: () => [],
  };
  const api = {
    async get<T>(path: string): Promise<T> {
      calls.push(["get", path]);
      if (w.getJob === "NotFound" || w.getJob === undefined) throw new KubeApiError(404, "NotFound", `${path} not found`);
      return w.getJob as T;
    },
    async create<T>(path: string, body: unknown): Promise<T> {
      calls.push(["create", path, body]);
      if (path === paths.jobs(NS) && w.createJob === "AlreadyExists") throw new KubeApiError(409, "AlreadyExists", "exists");
      return body as T;
    },
    async mergePatch<T>(path: string, body: unknown): Promise<T> {
      calls.push(["mergePatch", path, body]);
      return body as T;
    },
    async delete(path: string, opts?: unknown) {
      calls.push(["delete", path, opts]);
    },
  };
  const r = new Reconciler({ api: api as never, caches, retentionMs: RETENTION_MS, resyncMs: RESYNC_MS, now: () => NOW });
  const key = `${NS}/${sampleBuildJob().metadata.name}`;
  return { r, calls, key };
}

const withStatus = (status: BuildJobStatus | undefined, spec: Parameters<typeof sampleBuildJob>[0] = {}): BuildJob => ({
  ...sampleBuildJob({ workspace: { type: "EmptyDir" }, ...spec }, { resourceVersion: "10" }),
  ...(status ? { status } : {}),
});
const cond = (status: "True" | "False" | "Unknown", reason: string) => [
  { type: "Succeeded", status, reason, message: "", lastTransitionTime: T0 },
];
const running: BuildJobStatus = { phase: "Running", jobName: JOB, podName: "p1", startTime: T0, conditions: cond("Unknown", "Running") };
const succeeded = (completionTime: string): BuildJobStatus => ({
  phase: "Succeeded",
  jobName: JOB,
  completionTime,
  conditions: cond("True", "Succeeded"),
});
const ownedJob = (conditions: { type: string; status: string }[] = [], uid = sampleBuildJob().metadata.uid): V1Job => ({
  metadata: {
    name: JOB,
    namespace: NS,
    ownerReferences: [{ apiVersion: "gantry.dev/v1alpha1", kind: "BuildJob", name: "x", uid: uid!, controller: true }],
  },
  status: { startTime: new Date(T0), conditions: conditions.map((c) => ({ ...c, lastTransitionTime: new Date(T0) })) },
});
const runningPod: V1Pod = {
  metadata: { name: "p1", creationTimestamp: new Date(T0) },
  status: {
    phase: "Running",
    containerStatuses: [
      { name: "main", image: "x", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: new Date(T0) } } },
    ],
  },
};
const donePod: V1Pod = {
  metadata: { name: "p1", creationTimestamp: new Date(T0) },
  status: {
    phase: "Succeeded",
    containerStatuses: [
      { name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
    ],
  },
};

interface Case {
  name: string;
  world: World;
  /** The calls made, as "verb path" (bodies are checked by `status`). */
  calls: string[];
  /** The phase and reason of the one status written, if any. */
  status?: { phase: string; reason: string; message?: RegExp };
  result: { requeueAfterMs: number } | undefined;
}

const statusPath = paths.buildJobStatus(NS, sampleBuildJob().metadata.name);
const cases: Case[] = [
  { name: "does nothing for a BuildJob that is gone", world: {}, calls: [], result: undefined },
  {
    name: "does nothing for a BuildJob being deleted (its children go with it)",
    world: { buildJob: { ...withStatus(running), metadata: { ...withStatus(running).metadata, deletionTimestamp: T0 } } },
    calls: [],
    result: undefined,
  },
  {
    name: "fails an invalid BuildJob once, naming the problem",
    world: { buildJob: { ...withStatus(undefined), spec: { ...withStatus(undefined).spec, taskRunId: 7 } } },
    calls: [`mergePatch ${statusPath}`],
    status: { phase: "Failed", reason: "InvalidSpec", message: /^invalid BuildJob: spec.taskRunId: / },
    result: undefined,
  },
  {
    name: "leaves an invalid BuildJob alone once it says Failed",
    world: { buildJob: { ...withStatus({ phase: "Failed" }), spec: { taskRunId: 7 } } },
    calls: [],
    result: undefined,
  },
  {
    name: "keeps a finished BuildJob until its retention ends, and looks again then",
    world: { buildJob: withStatus(succeeded("2026-05-04T10:00:20Z")) },
    calls: [],
    result: { requeueAfterMs: RETENTION_MS - 10_000 },
  },
  {
    name: "deletes a finished BuildJob past its retention",
    world: { buildJob: withStatus(succeeded("2026-05-04T08:00:00Z")) },
    calls: [`delete ${paths.buildJob(NS, sampleBuildJob().metadata.name)}`],
    result: undefined,
  },
  {
    name: "creates the missing Job of a new BuildJob, writing no status for quiet progress",
    world: { buildJob: withStatus(undefined) },
    calls: [`create ${paths.jobs(NS)}`],
    result: { requeueAfterMs: RESYNC_MS },
  },
  {
    name: "creates the run's workspace claim before the Job",
    world: { buildJob: withStatus(undefined, { workspace: { type: "PersistentVolumeClaim", claimName: "gantry-ws-1" } }) },
    calls: [`create ${paths.pvcs(NS)}`, `create ${paths.jobs(NS)}`],
    result: { requeueAfterMs: RESYNC_MS },
  },
  {
    name: "adopts an existing Job it owns when the create says AlreadyExists",
    world: { buildJob: withStatus(undefined), createJob: "AlreadyExists", getJob: ownedJob() },
    calls: [`create ${paths.jobs(NS)}`, `get ${paths.job(NS, JOB)}`],
    result: { requeueAfterMs: RESYNC_MS },
  },
  {
    name: "fails when an existing Job of that name belongs to someone else",
    world: { buildJob: withStatus(undefined), createJob: "AlreadyExists", getJob: ownedJob([], "someone-else") },
    calls: [`create ${paths.jobs(NS)}`, `get ${paths.job(NS, JOB)}`, `mergePatch ${statusPath}`],
    status: { phase: "Failed", reason: "JobConflict", message: /does not belong to this BuildJob/ },
    result: undefined,
  },
  {
    name: "writes nothing while a running Job's pod keeps running (the status already says so)",
    world: { buildJob: withStatus(running), job: ownedJob(), pods: [runningPod] },
    calls: [],
    result: { requeueAfterMs: RESYNC_MS },
  },
  {
    name: "writes the outcome once the Job completed, and looks again at the end of retention",
    world: { buildJob: withStatus(running), job: ownedJob([{ type: "Complete", status: "True" }]), pods: [donePod] },
    calls: [`mergePatch ${statusPath}`],
    status: { phase: "Succeeded", reason: "Succeeded" },
    result: { requeueAfterMs: RETENTION_MS },
  },
  {
    name: "reads the Job directly when the cache lacks one it made, and fails the BuildJob when it is really gone",
    world: { buildJob: withStatus(running), getJob: "NotFound" },
    calls: [`get ${paths.job(NS, JOB)}`, `mergePatch ${statusPath}`],
    status: { phase: "Failed", reason: "JobDeleted" },
    result: { requeueAfterMs: RETENTION_MS },
  },
  {
    name: "trusts the direct read over a lagging cache: the Job is there and running",
    world: { buildJob: withStatus(running), getJob: ownedJob(), pods: [runningPod] },
    calls: [`get ${paths.job(NS, JOB)}`],
    result: { requeueAfterMs: RESYNC_MS },
  },
  {
    name: "deletes the Job of a cancelled BuildJob (foreground) and says Cancelled",
    world: { buildJob: withStatus(running, { cancelRequested: true }), job: ownedJob(), pods: [runningPod] },
    calls: [`delete ${paths.job(NS, JOB)}`, `mergePatch ${statusPath}`],
    status: { phase: "Cancelled", reason: "Cancelled" },
    result: undefined,
  },
  {
    name: "keeps the outcome of a Job that completed before the cancel arrived",
    world: { buildJob: withStatus(running, { cancelRequested: true }), job: ownedJob([{ type: "Complete", status: "True" }]) },
    calls: [`delete ${paths.job(NS, JOB)}`, `mergePatch ${statusPath}`],
    status: { phase: "Succeeded", reason: "Succeeded" },
    result: undefined,
  },
];

describe("one reconcile of a BuildJob", () => {
  it.each(cases)("$name", async (c) => {
    const { r, calls, key } = harness(c.world);
    const result = await r.reconcile(key);
    expect(calls.map(([verb, path]) => `${verb} ${path}`)).toEqual(c.calls);
    const written = calls.filter(([verb]) => verb === "mergePatch").map(([, , body]) => (body as { status: BuildJobStatus }).status);
    if (c.status) {
      expect(written).toHaveLength(1);
      const s = written[0];
      expect({ phase: s.phase, reason: s.conditions?.find((x) => x.type === "Succeeded")?.reason }).toEqual({
        phase: c.status.phase,
        reason: c.status.reason,
      });
      if (c.status.message) expect(s.message).toMatch(c.status.message);
    } else {
      expect(written).toEqual([]);
    }
    expect(result).toEqual(c.result);
    expect(r.statusWrites).toBe(written.length);
  });

  it("is idempotent: a second reconcile over the same caches makes no call at all", async () => {
    const w: World = { buildJob: withStatus(running), job: ownedJob([{ type: "Complete", status: "True" }]), pods: [donePod] };
    const { r, calls, key } = harness(w);
    await r.reconcile(key);
    const first = calls.length;
    // The informer still holds the version the status was written over.
    await r.reconcile(key);
    expect(first).toBe(1);
    expect(calls).toHaveLength(first);
  });

  it("does not create the Job twice while the informer has not shown it yet", async () => {
    const { r, calls, key } = harness({ buildJob: withStatus(undefined) });
    await r.reconcile(key);
    await r.reconcile(key);
    expect(calls.filter(([verb, path]) => verb === "create" && path === paths.jobs(NS))).toHaveLength(1);
  });
});
