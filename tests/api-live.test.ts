import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "mysql2/promise";
import { createDb, type Db } from "@/server/db/client";
import { dbSource, Hub, type LiveSource } from "@/server/live/hub";
import { logEventsResponse } from "@/server/live/log-stream";
import { runEventsResponse } from "@/server/live/run-stream";
import { createPipeline, get, sseEvents, shellSpec, startRun, testEnv, uniqueName, waitForRun, type SseEvent } from "./api-helpers";

/**
 * The live hub against the real database the running stack uses (DATABASE_URL): many viewers of
 * one log or run cost one poll loop, and the loop stops when the viewers leave. The streams read
 * here are the very Responses the SSE routes return.
 */

let db: Db;
let pool: Pool;
beforeAll(() => {
  testEnv();
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must name the running stack's database; `npm test` sets it");
  ({ db, pool } = createDb(url));
});
afterAll(async () => {
  await pool?.end();
});

/** The real MySQL source, with a count of each query kind. */
function countingSource() {
  const real = dbSource(() => db);
  const counts = { runRev: 0, runView: 0, taskRunProgress: 0, readLog: 0 };
  const source: LiveSource = {
    runRev: (id) => (counts.runRev++, real.runRev(id)),
    runView: (id) => (counts.runView++, real.runView(id)),
    taskRunProgress: (id) => (counts.taskRunProgress++, real.taskRunProgress(id)),
    readLog: (id, after, limit) => (counts.readLog++, real.readLog(id, after, limit)),
  };
  return { source, counts };
}

async function readAll(res: Response): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of sseEvents(res)) {
    out.push(e);
    if (e.event === "end") break;
  }
  return out;
}

/** Reads until `marker` shows up, leaving the stream open (no cancel), as a client that stays. */
async function readUntil(res: Response, marker: string) {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let seen = "";
  while (!seen.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before '${marker}'`);
    seen += dec.decode(value, { stream: true });
  }
  reader.releaseLock();
}

const request = (signal?: AbortSignal) => new Request("http://gantry.test/stream", { signal });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("live hub", () => {
  it("serves a hundred viewers of one running log from one poll loop", async () => {
    const id = await createPipeline(shellSpec(uniqueName("hub-log"), "for i in $(seq 1 20); do echo line $i; sleep 0.1; done"));
    const runId = await startRun(id);
    const taskId = (await get(`/api/v1/runs/${runId}`)).body.stages[0].tasks[0].id;
    const { source, counts } = countingSource();
    const hub = new Hub(source, { logPollMs: 50 });

    const t0 = Date.now();
    const viewers = Array.from({ length: 100 }, () => readAll(logEventsResponse(request(), hub, taskId, 0)));
    const results = await Promise.all(viewers);
    const elapsed = Date.now() - t0;

    for (const events of results) {
      const lines = events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).text);
      expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 1}`));
      expect(events.at(-1)!.event).toBe("end");
    }
    // One loop polls about every 50 ms; a hundred separate loops would be a hundred times that.
    expect(counts.taskRunProgress, `${counts.taskRunProgress} progress polls in ${elapsed} ms`).toBeLessThanOrEqual(elapsed / 50 + 5);
    expect(hub.size, "the loop is gone once its viewers are").toBe(0);
    await waitForRun(runId);
  });

  it("gives a slow viewer that fell behind the shared buffer every line, in order", async () => {
    const N = 2000;
    const id = await createPipeline(
      shellSpec(uniqueName("hub-slow"), `for i in $(seq 1 ${N}); do echo "n $i"; [ $((i % 200)) = 0 ] && sleep 0.05; done; true`),
    );
    const runId = await startRun(id);
    const taskId = (await get(`/api/v1/runs/${runId}`)).body.stages[0].tasks[0].id;
    // A tiny buffer, so the tail drops lines the slow viewer has not read yet.
    const hub = new Hub(countingSource().source, { logPollMs: 20, bufferLines: 50, bufferChars: 4096 });
    const fast = readAll(logEventsResponse(request(), hub, taskId, 0));
    const slow = (async () => {
      const out: SseEvent[] = [];
      for await (const e of sseEvents(logEventsResponse(request(), hub, taskId, 0))) {
        out.push(e);
        if (out.length % 25 === 0) await sleep(20);
        if (e.event === "end") break;
      }
      return out;
    })();
    for (const events of await Promise.all([fast, slow])) {
      const seqs = events.filter((e) => e.event === "message").map((e) => Number(e.id));
      expect(seqs.length).toBe(N);
      expect(
        seqs.every((s, i) => s === i + 1),
        "every line once, in order",
      ).toBe(true);
      expect(events.at(-1)!.event).toBe("end");
    }
    await waitForRun(runId);
  });

  it("stops polling when the only viewer goes away", async () => {
    const id = await createPipeline(shellSpec(uniqueName("hub-abort"), "echo started; sleep 5"));
    const runId = await startRun(id);
    const taskId = (await get(`/api/v1/runs/${runId}`)).body.stages[0].tasks[0].id;
    const { source, counts } = countingSource();
    const hub = new Hub(source, { logPollMs: 50, runPollMs: 50 });

    const ac = new AbortController();
    const res = logEventsResponse(request(ac.signal), hub, taskId, 0);
    const runAc = new AbortController();
    const runRes = runEventsResponse(request(runAc.signal), hub, runId);
    await readUntil(res, "data: ");
    await readUntil(runRes, "event: run");
    expect(hub.size).toBe(2);
    ac.abort();
    runAc.abort();
    await sleep(200);
    expect(hub.size).toBe(0);
    const after = { ...counts };
    await sleep(500);
    expect(counts, "no queries after the viewers left").toEqual(after);
    await waitForRun(runId);
  });

  it("serves fifty watchers of one run from one poll loop, each seeing it end", async () => {
    const id = await createPipeline({
      name: uniqueName("hub-run"),
      stages: [
        { name: "a", tasks: [{ name: "one", template: "shell", params: { script: "sleep 0.5" } }] },
        { name: "b", tasks: [{ name: "two", template: "shell", params: { script: "sleep 0.5" } }] },
      ],
    });
    const runId = await startRun(id);
    const { source, counts } = countingSource();
    const hub = new Hub(source, { runPollMs: 100 });
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 50 }, () => readAll(runEventsResponse(request(), hub, runId))));
    const elapsed = Date.now() - t0;
    for (const events of results) {
      expect(events.at(-1)!.event).toBe("end");
      expect(JSON.parse(events.at(-2)!.data).status).toBe("succeeded");
    }
    expect(counts.runRev).toBeLessThanOrEqual(elapsed / 100 + 5);
    // A view is fetched when the rev moves, not once per watcher.
    expect(counts.runView).toBeLessThan(30);
    expect(hub.size).toBe(0);
  });
});
