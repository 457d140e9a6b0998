import type { KubernetesListObject, KubernetesObject } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Informer, labelledBuildJobKey, ownerBuildJobKey, ownKey, splitKey, type WatchClient } from "./informer";

/**
 * The informer's own logic (keys, restarts, resume, relist) over client-node's real ListWatch,
 * with the HTTP watch replaced by a script. Against a real API server: the cluster suite.
 */

type Obj = KubernetesObject & { metadata: { name: string; namespace: string; resourceVersion: string } };
const obj = (name: string, rv: string): Obj => ({ metadata: { name, namespace: "team", resourceVersion: rv } });

interface WatchCall {
  query: Record<string, unknown>;
  emit: (type: string, o: unknown) => void;
  end: (err: unknown) => void;
}

/** A watch endpoint the test drives: each call is recorded and stays open until ended. */
function scriptedWatch() {
  const calls: WatchCall[] = [];
  const client: WatchClient = {
    watch: async (_path, query, cb, done) => {
      let ended = false;
      calls.push({
        query: { ...query },
        emit: (type, o) => cb(type, o, { type, object: o }),
        end: (err) => {
          if (!ended) {
            ended = true;
            done(err);
          }
        },
      });
      return new AbortController();
    },
  };
  return { client, calls };
}

function setup(lists: Obj[][], opts: { resyncMs?: number; keys?: (o: Obj) => string[] } = {}) {
  const { client, calls } = scriptedWatch();
  const keys: string[] = [];
  let listCalls = 0;
  let listError: Error | null = null;
  const informer = new Informer<Obj>({
    name: "things",
    path: "/apis/x/v1/things",
    watch: client,
    list: async (): Promise<KubernetesListObject<Obj>> => {
      listCalls++;
      if (listError) throw listError;
      const items = lists[Math.min(listCalls - 1, lists.length - 1)];
      return { apiVersion: "v1", kind: "List", metadata: { resourceVersion: String(100 * listCalls) }, items };
    },
    keys: ownKey,
    queue: { add: (k) => keys.push(k) },
    backoff: { baseMs: 100, maxMs: 1000 },
    ...opts,
  });
  return {
    informer,
    calls,
    keys,
    listCalls: () => listCalls,
    failList: (e: Error | null) => (listError = e),
  };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe("informer", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] }));
  afterEach(() => vi.useRealTimers());

  it("queues the key of every listed object, then of every added, changed and deleted one", async () => {
    const t = setup([[obj("a", "1"), obj("b", "2")]]);
    t.informer.start();
    await t.informer.synced;
    expect(t.keys).toEqual(["team/a", "team/b"]);
    expect(t.calls[0].query.resourceVersion).toBe("100");
    t.calls[0].emit("ADDED", obj("c", "101"));
    t.calls[0].emit("MODIFIED", obj("a", "102"));
    t.calls[0].emit("DELETED", obj("b", "103"));
    expect(t.keys).toEqual(["team/a", "team/b", "team/c", "team/a", "team/b"]);
    expect(t.informer.get("team", "a")?.metadata.resourceVersion).toBe("102");
    expect(t.informer.get("team", "b")).toBeUndefined();
    t.informer.stop();
  });

  it("caches listed and watched objects without their managedFields, keeping everything else", async () => {
    const managed = (o: Obj) => ({
      ...o,
      metadata: { ...o.metadata, labels: { app: "x" }, managedFields: [{ manager: "kubectl", fieldsV1: { "f:spec": {} } }] },
    });
    const t = setup([[managed(obj("a", "1"))]]);
    t.informer.start();
    await t.informer.synced;
    t.calls[0].emit("ADDED", managed(obj("b", "101")));
    for (const name of ["a", "b"]) {
      const cached = t.informer.get("team", name)!;
      expect(cached.metadata).not.toHaveProperty("managedFields");
      expect(cached.metadata.labels).toEqual({ app: "x" });
    }
    t.informer.stop();
  });

  it("resumes a dropped watch from the last resourceVersion it saw, without listing again", async () => {
    const t = setup([[obj("a", "1")]]);
    t.informer.start();
    await t.informer.synced;
    t.calls[0].emit("MODIFIED", obj("a", "150"));
    // The server closes watches now and then; ListWatch reconnects at once.
    t.calls[0].end(null);
    await settle();
    expect(t.calls.length).toBe(2);
    expect(t.calls[1].query.resourceVersion).toBe("150");
    expect(t.listCalls()).toBe(1);
    t.informer.stop();
  });

  it("restarts after a watch error with back-off and resumes from its resourceVersion", async () => {
    const t = setup([[obj("a", "1")]]);
    t.informer.start();
    await t.informer.synced;
    t.calls[0].emit("MODIFIED", obj("a", "160"));
    t.calls[0].end(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await settle();
    expect(t.calls.length, "restarted without waiting").toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.calls.length).toBe(2);
    expect(t.calls[1].query.resourceVersion).toBe("160");
    expect(t.listCalls()).toBe(1);
    t.informer.stop();
  });

  it("backs off longer with each failure in a row, and starts over after a success", async () => {
    const t = setup([[obj("a", "1")]]);
    t.failList(new Error("connect ECONNREFUSED"));
    t.informer.start();
    await settle();
    const listsAt: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) {
      const before = t.listCalls();
      while (t.listCalls() === before) await vi.advanceTimersByTimeAsync(50);
      listsAt.push(Date.now() - t0);
    }
    // 100, +200, +400, +800 ms (capped at 1000) after the first failure.
    expect(listsAt).toEqual([100, 300, 700, 1500]);
    expect(t.informer.consecutiveFailures, "the first list and four retries").toBe(5);
    t.failList(null);
    await vi.advanceTimersByTimeAsync(1000);
    await t.informer.synced;
    expect(t.informer.consecutiveFailures).toBe(0);
    t.informer.stop();
  });

  it("finds one BuildJob's objects through its index, as they are after adds, changes, deletes and a relist", async () => {
    const pod = (name: string, rv: string, bj: string) =>
      ({ metadata: { name, namespace: "team", resourceVersion: rv, labels: { "gantry.dev/build-job": bj } } }) as Obj;
    const t = setup([[pod("p1", "1", "bj-a"), pod("p2", "2", "bj-b")], [pod("p2", "300", "bj-b")]], { keys: labelledBuildJobKey });
    const names = (key: string) =>
      t.informer
        .byKey(key)
        .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
        .sort();
    t.informer.start();
    await t.informer.synced;
    expect(names("team/bj-a")).toEqual(["p1@1"]);
    expect(names("team/bj-b")).toEqual(["p2@2"]);
    t.calls[0].emit("ADDED", pod("p3", "101", "bj-a"));
    t.calls[0].emit("MODIFIED", pod("p1", "102", "bj-a"));
    expect(names("team/bj-a")).toEqual(["p1@102", "p3@101"]);
    t.calls[0].emit("DELETED", pod("p3", "103", "bj-a"));
    expect(names("team/bj-a")).toEqual(["p1@102"]);
    // Relisted after 410 Gone: p1 was deleted meanwhile.
    t.calls[0].emit("ERROR", { code: 410, reason: "Expired", message: "too old resource version" });
    t.calls[0].end(null);
    await settle();
    expect(names("team/bj-a")).toEqual([]);
    expect(names("team/bj-b")).toEqual(["p2@300"]);
    expect(names("team/none")).toEqual([]);
    t.informer.stop();
  });

  it("relists on 410 Gone and queues the objects deleted meanwhile", async () => {
    const t = setup([[obj("a", "1"), obj("b", "2")], [obj("a", "300")]]);
    t.informer.start();
    await t.informer.synced;
    t.keys.length = 0;
    // The resourceVersion is too old for the server's watch cache.
    t.calls[0].emit("ERROR", { code: 410, reason: "Expired", message: "too old resource version" });
    t.calls[0].end(null);
    await settle();
    expect(t.listCalls()).toBe(2);
    expect(t.keys.sort()).toEqual(["team/a", "team/b"]);
    expect(t.informer.get("team", "b")).toBeUndefined();
    expect(t.calls[1].query.resourceVersion).toBe("200");
    // A 410 as the HTTP status of the watch request is treated the same way.
    t.calls[1].end(Object.assign(new Error("Gone"), { statusCode: 410 }));
    await settle();
    expect(t.listCalls()).toBe(3);
    t.informer.stop();
  });

  it("re-queues everything it holds on resync", async () => {
    const t = setup([[obj("a", "1"), obj("b", "2")]], { resyncMs: 60_000 });
    t.informer.start();
    await t.informer.synced;
    t.keys.length = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.keys.sort()).toEqual(["team/a", "team/b"]);
    t.informer.stop();
  });

  it("stays stopped: no restart after stop, even when the aborted watch reports an error", async () => {
    const t = setup([[obj("a", "1")]]);
    t.informer.start();
    await t.informer.synced;
    t.informer.stop();
    t.calls[0].end(new Error("The user aborted a request."));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.calls.length).toBe(1);
    expect(t.listCalls()).toBe(1);
  });
});

describe("informer keys", () => {
  const owner = (kind: string, name: string, controller: boolean) => ({ apiVersion: "x/v1", kind, name, uid: `uid-${name}`, controller });
  it("finds the BuildJob of a BuildJob, of a Job (controller owner) and of a pod (label)", () => {
    expect(ownKey({ metadata: { namespace: "team", name: "bj" } })).toEqual(["team/bj"]);
    const job = { metadata: { namespace: "team", name: "j", ownerReferences: [owner("Other", "x", true), owner("BuildJob", "bj", true)] } };
    expect(ownerBuildJobKey(job)).toEqual(["team/bj"]);
    expect(
      ownerBuildJobKey({ metadata: { namespace: "team", name: "j", ownerReferences: [owner("BuildJob", "bj", false)] } }),
      "non-controller owner",
    ).toEqual([]);
    expect(labelledBuildJobKey({ metadata: { namespace: "team", name: "p", labels: { "gantry.dev/build-job": "bj" } } })).toEqual([
      "team/bj",
    ]);
    expect(labelledBuildJobKey({ metadata: { namespace: "team", name: "p" } })).toEqual([]);
    expect(splitKey("team/bj")).toEqual({ namespace: "team", name: "bj" });
  });
});
