import { randomBytes, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { Client } from "@elastic/elasticsearch";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { taskRuns } from "@/server/db/schema";
import { DiskBuffer } from "@/server/logs/disk-buffer";
import { indexFor } from "@/server/logs/elasticsearch-index";
import { ElasticsearchLogStore } from "@/server/logs/elasticsearch-store";
import { searchLogs } from "@/server/logs/search";
import { MySqlLogStore, type LogLine } from "@/server/logs/store";
import { LogWriter } from "@/server/logs/writer";
import { freePort } from "@/scripts/lib/proc";
import { startElasticsearch } from "@/scripts/lib/elasticsearch";
import { createTestDatabase, startRunWithPlans, tempDir, waitFor, type TestDatabase } from "./executor-helpers";
import { createPipeline, get, openSse, shellSpec, sseEvents, startRun, uniqueName, waitForRun } from "./api-helpers";

/**
 * The Elasticsearch log store against a real node (ELASTICSEARCH_TEST_URL, started by `npm test`):
 * what a user of the log view and the search relies on. Each file uses its own index prefix, so
 * retention here deletes only its own indices.
 */

const url = process.env.ELASTICSEARCH_TEST_URL;
if (!url) throw new Error("ELASTICSEARCH_TEST_URL must name an Elasticsearch node; `npm test` starts one");

let t: TestDatabase;
let client: Client;
// Not under `gantry-logs-*`: that pattern is the stack's own template, and ES refuses two
// templates of one priority whose patterns overlap.
const prefix = `gtest-logs-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  t = await createTestDatabase("gantry_es");
  client = new Client({ node: url });
});
afterAll(async () => {
  await client?.indices.delete({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true }).catch(() => undefined);
  await client?.close();
  await t?.close();
});

/** A task run row to hang lines on (not run by any operator: its database is private). */
async function taskRun(): Promise<{ id: string; runId: string; pipelineId: string }> {
  const runId = await startRunWithPlans(t.db, [{ name: "t", plan: {} }]);
  const [tr] = await t.db.select({ id: taskRuns.id }).from(taskRuns).where(eq(taskRuns.runId, runId));
  const [r] = await t.query<{ pipeline_id: string }>("select pipeline_id from runs where id = ?", [runId]);
  return { id: tr.id, runId, pipelineId: r.pipeline_id };
}

const lines = (from: number, to: number, text = (i: number) => `line ${i}`, ts = Date.now()): LogLine[] =>
  Array.from({ length: to - from + 1 }, (_, k) => ({ seq: from + k, ts: ts + k, stream: "out" as const, text: text(from + k) }));

async function indexedSeqs(taskRunId: string, c = client, index = `${prefix}-*`): Promise<number[]> {
  await c.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
  const r = await c.search<{ seq: number }>({
    index,
    size: 10_000,
    query: { term: { taskRunId } },
    sort: [{ seq: "asc" }],
    _source: ["seq"],
  });
  return r.hits.hits.map((h) => h._source!.seq);
}

describe("Elasticsearch log store", () => {
  it("stores lines in order, reads any window of them, and a retried batch does not duplicate lines", async () => {
    const tr = await taskRun();
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    await store.append(tr.id, lines(1, 400));
    await store.append(tr.id, lines(401, 900));
    await store.append(tr.id, lines(401, 900)); // the writer retrying after a lost answer
    await store.append(tr.id, lines(901, 1000));

    const all = await store.read(tr.id, 0, 100_000);
    expect(all.map((l) => l.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(all[499].text).toBe("line 500");
    expect((await store.read(tr.id, 500, 3)).map((l) => l.text)).toEqual(["line 501", "line 502", "line 503"]);
    expect(await store.read(tr.id, 1000, 10)).toEqual([]);
    // Where the log ends is in MySQL, for the live view's poll.
    expect(await store.lastSeq(tr.id)).toBe(1000);
    expect(await indexedSeqs(tr.id)).toHaveLength(1000);
  });

  it("takes a task's whole output through the log writer, split in batches, masked", async () => {
    const tr = await taskRun();
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    const w = new LogWriter(store, tr.id, { mask: (l) => l.replaceAll("hunter2", "***") });
    for (let i = 1; i <= 20_000; i++) w.write(i % 2 ? "out" : "err", `output ${i} password=hunter2\n`);
    await w.close();
    const got = await store.read(tr.id, 0, 100_000);
    expect(got).toHaveLength(20_000);
    expect(got[19_999]).toMatchObject({ seq: 20_000, stream: "err", text: "output 20000 password=***" });
    expect(got.some((l) => l.text.includes("hunter2"))).toBe(false);
  });

  it("keeps the container each pod line came from in its document's container field", async () => {
    const tr = await taskRun();
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    const w = new LogWriter(store, tr.id);
    const ts = Date.now();
    // As the Kubernetes log follower writes them: whole lines, the pod's time, the container.
    w.write("out", "[clone] checked out 1a2b3c\n", ts, "clone");
    w.write("out", "building\n", ts + 1, "main");
    w.write("out", "[db] ready for connections\n", ts + 2, "db");
    w.system("attempt 1 of 1");
    // The local executor's output has no container.
    w.write("err", "a local line\n");
    await w.close();
    await client.indices.refresh({ index: `${prefix}-*` });
    const r = await client.search<{ seq: number; container: string | null; message: string }>({
      index: `${prefix}-*`,
      query: { term: { taskRunId: tr.id } },
      sort: [{ seq: "asc" }],
      _source: ["seq", "container", "message"],
    });
    expect(r.hits.hits.map((h) => [h._source!.message, h._source!.container])).toEqual([
      ["[clone] checked out 1a2b3c", "clone"],
      ["building", "main"],
      ["[db] ready for connections", "db"],
      ["attempt 1 of 1", null],
      ["a local line", null],
    ]);
    // A container of its own is a keyword: a filter finds that container's lines only.
    const main = await client.search({
      index: `${prefix}-*`,
      query: { bool: { filter: [{ term: { taskRunId: tr.id } }, { term: { container: "main" } }] } },
    });
    expect(main.hits.hits).toHaveLength(1);
  });

  it("reads lines stored in MySQL before the switch, and the operator's own notes written there", async () => {
    const tr = await taskRun();
    await new MySqlLogStore(t.db).append(
      tr.id,
      lines(1, 3, (i) => `old ${i}`),
    );
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    await store.append(
      tr.id,
      lines(4, 5, (i) => `new ${i}`),
    );
    await new MySqlLogStore(t.db).append(tr.id, [{ seq: 6, ts: Date.now(), stream: "sys", text: "operator restarted" }]);
    expect((await store.read(tr.id, 0, 100)).map((l) => l.text)).toEqual([
      "old 1",
      "old 2",
      "old 3",
      "new 4",
      "new 5",
      "operator restarted",
    ]);
  });

  it("puts lines in daily indices and deletes whole days past retention", async () => {
    const tr = await taskRun();
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    const day = 86_400_000;
    const old = Date.now() - 40 * day;
    await store.append(
      tr.id,
      lines(1, 5, (i) => `ancient ${i}`, old),
    );
    await store.append(
      tr.id,
      lines(6, 10, (i) => `recent ${i}`),
    );
    const oldIndex = indexFor(prefix, old);
    expect(await client.indices.exists({ index: oldIndex })).toBe(true);

    expect(await store.applyRetention(30)).toEqual([oldIndex]);
    expect(await client.indices.exists({ index: oldIndex })).toBe(false);
    expect(await client.indices.exists({ index: indexFor(prefix, Date.now()) })).toBe(true);
    expect(await store.applyRetention(0)).toEqual([]); // 0 keeps everything
  });

  it("finds words and exact phrases across runs, with the matched parts marked", async () => {
    const a = await taskRun();
    const b = await taskRun();
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    await store.append(a.id, [
      { seq: 1, ts: Date.now(), stream: "out", text: "Compiling module zebrafish" },
      { seq: 2, ts: Date.now(), stream: "err", text: "ERROR: connection refused by db:5432" },
      { seq: 3, ts: Date.now(), stream: "out", text: "refused the connection politely" },
    ]);
    await store.append(b.id, [{ seq: 1, ts: Date.now(), stream: "err", text: "zebrafish connection refused again" }]);

    const words = await store.search({ q: "refused connection", limit: 10 });
    expect(words.hits.map((h) => h.text).sort()).toEqual([
      "ERROR: connection refused by db:5432",
      "refused the connection politely",
      "zebrafish connection refused again",
    ]);

    const phrase = await store.search({ q: '"connection refused"', limit: 10 });
    expect(phrase.hits.map((h) => `${h.taskRunId}:${h.seq}`).sort()).toEqual([`${a.id}:2`, `${b.id}:1`].sort());
    const hit = phrase.hits.find((h) => h.taskRunId === a.id)!;
    expect(hit).toMatchObject({ runId: a.runId, pipelineId: a.pipelineId, stream: "err" });
    expect(hit.highlights.map(([s, e]) => hit.text.slice(s, e)).join(" ")).toMatch(/connection.*refused/);

    const onlyB = await store.search({ q: "zebrafish", pipelineId: b.pipelineId, limit: 10 });
    expect(onlyB.hits.map((h) => h.taskRunId)).toEqual([b.id]);
    const future = await store.search({ q: "zebrafish", since: Date.now() + 86_400_000, limit: 10 });
    expect(future.hits).toEqual([]);
    // Lines carry their project: a search limited to other projects does not see them.
    expect((await store.search({ q: "zebrafish", projectIds: [DEFAULT_PROJECT_ID], limit: 10 })).hits).toHaveLength(2);
    expect((await store.search({ q: "zebrafish", projectIds: [randomUUID()], limit: 10 })).hits).toEqual([]);
  });
});

describe("Elasticsearch outage", () => {
  it("buffers lines on disk while the node is down and catches up without losing or duplicating one", async () => {
    const dir = tempDir("es-outage");
    const port = await freePort();
    let es = await startElasticsearch({ dir: path.join(dir, "node"), port, quiet: true, heapMb: 384 });
    const own = new Client({ node: es.url, requestTimeout: 5000, maxRetries: 0 });
    const buffer = new DiskBuffer(path.join(dir, "buffer"), { retryMs: 300 });
    const store = new ElasticsearchLogStore(own, t.db, { prefix, buffer });
    const reader = new ElasticsearchLogStore(own, t.db, { prefix });
    try {
      const tr = await taskRun();
      const w = new LogWriter(store, tr.id, { flushMs: 5 });
      const write = async (from: number, to: number) => {
        for (let i = from; i <= to; i++) w.write("out", `step ${i}\n`);
        await w.flush();
      };
      await write(1, 500);
      expect((await reader.read(tr.id, 0, 10_000)).length).toBe(500);

      await es.stop();
      await write(501, 1500); // the task goes on printing
      expect(buffer.empty).toBe(false);
      expect(buffer.backlog).toBe(1000);
      // MySQL knows where the log ends; the operator can still read its own lines back.
      expect(await store.lastSeq(tr.id)).toBe(1500);

      es = await startElasticsearch({ dir: path.join(dir, "node"), port, quiet: true, heapMb: 384 });
      await write(1501, 2000); // lines that come while the backlog is replayed go after it
      await w.close();
      await waitFor("the disk buffer to drain", async () => buffer.empty, 60_000, 100);

      const seqs = await indexedSeqs(tr.id, own);
      expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1)); // every line, once
      const read = await reader.read(tr.id, 0, 10_000);
      expect(read.map((l) => l.text)).toEqual(Array.from({ length: 2000 }, (_, i) => `step ${i + 1}`));
    } finally {
      await buffer.close();
      await own.close();
      await es.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("sends again only the lines the node refused with 429, once it takes them: none lost, none indexed twice", async () => {
    const tr = await taskRun();
    const store = new ElasticsearchLogStore(client, t.db, { prefix });
    // Two days of their own (no other test writes there): one index is blocked the way a node
    // out of disk blocks it, which refuses each write into it with 429; the other takes its lines.
    const blockedDay = Date.UTC(2031, 0, 1, 12);
    const openDay = Date.UTC(2031, 0, 2, 12);
    const blocked = indexFor(prefix, blockedDay);
    const open = indexFor(prefix, openDay);
    await store.append(
      tr.id,
      lines(1, 1, () => "first", blockedDay),
    ); // creates the index
    await client.indices.putSettings({ index: blocked, settings: { "index.blocks.read_only_allow_delete": true } });
    const batch = lines(2, 201, (i) => `line ${i}`).map((l) => ({ ...l, ts: l.seq <= 101 ? blockedDay : openDay }));
    let settled = false;
    const appended = store.append(tr.id, batch).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false); // the refused lines are still being retried
    await client.indices.putSettings({ index: blocked, settings: { "index.blocks.read_only_allow_delete": null } });
    await appended;

    expect(await indexedSeqs(tr.id)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    const stats = await client.indices.stats({ index: `${blocked},${open}`, metric: "indexing" });
    // Every line of the open day was indexed exactly once: the retries carried only the refused ones.
    expect(stats.indices?.[open]?.primaries?.indexing?.index_total).toBe(100);
    expect(stats.indices?.[blocked]?.primaries?.indexing?.index_total).toBe(101);
    expect(await store.lastSeq(tr.id)).toBe(201);
  });

  it("replays what an earlier operator process left in its buffer", async () => {
    const dir = tempDir("es-replay");
    try {
      const tr = await taskRun();
      const meta = { runId: tr.runId, pipelineId: tr.pipelineId, projectId: null };
      const first = new DiskBuffer(dir);
      await first.add(tr.id, meta, lines(1, 50));
      await first.add(tr.id, meta, lines(51, 60));
      await first.close(); // the operator died before Elasticsearch came back

      const second = new DiskBuffer(dir, { retryMs: 100 });
      expect(second.backlog).toBe(60);
      new ElasticsearchLogStore(client, t.db, { prefix, buffer: second });
      await waitFor("the buffer left behind to drain", async () => second.empty, 30_000);
      await second.close();
      expect(await indexedSeqs(tr.id)).toHaveLength(60);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the running web app on Elasticsearch", () => {
  it("serves a task's log from the archive, as text and as a live stream, each line once", async () => {
    expect(process.env.GANTRY_TEST_LOG_STORE).toBe("elasticsearch");
    const marker = `quokka${randomBytes(4).toString("hex")}`;
    const pipelineId = await createPipeline(shellSpec(uniqueName("es-log"), `for i in $(seq 1 3000); do echo "${marker} line $i"; done`));
    const run = await waitForRun(await startRun(pipelineId), 90_000);
    expect(run.status).toBe("succeeded");
    const taskId = run.stages[0].tasks[0].id;

    const text = await get(`/api/v1/task-runs/${taskId}/logs`);
    expect(text.status).toBe(200);
    const got = text.text.split("\n").filter((l) => l.startsWith(marker));
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => `${marker} line ${i + 1}`));

    const seqs: number[] = [];
    for await (const ev of sseEvents(await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true`))) {
      if (ev.event === "end") break;
      seqs.push(Number(ev.id));
    }
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(3000);

    const status = await get(`/api/v1/task-runs/${taskId}/log-status`);
    expect(status.body).toEqual({ lastSeq: seqs.length, archivedSeq: seqs.length, behind: 0, engine: "elasticsearch" });

    // The lines are documents in the stack's daily index, one per line.
    await client.indices.refresh({ index: "gantry-logs-*" });
    const n = await client.count({
      index: "gantry-logs-*",
      query: { bool: { filter: [{ term: { taskRunId: taskId } }, { match: { message: marker } }] } },
    });
    expect(n.count).toBe(3000);
  }, 120_000);
});

describe("log search through the API", () => {
  it("finds a phrase across runs and links each hit to its line; filters narrow it down", async () => {
    const marker = `wombat${randomBytes(4).toString("hex")}`;
    const name = uniqueName("es-search");
    const pipelineId = await createPipeline(
      shellSpec(name, `echo "${marker} starting"; echo "${marker} ERROR connection refused by db"; echo "${marker} refused to give up"`),
    );
    const run = await waitForRun(await startRun(pipelineId), 90_000);
    const taskId = run.stages[0].tasks[0].id;

    const r = await get(`/api/v1/logs/search?${new URLSearchParams({ q: `${marker} "connection refused"` })}`);
    expect(r.status).toBe(200);
    expect(r.body.engine).toBe("elasticsearch");
    expect(r.body.hits).toHaveLength(1);
    const hit = r.body.hits[0];
    expect(hit).toMatchObject({
      taskRunId: taskId,
      runId: run.id,
      pipelineName: name,
      taskName: "work",
      runStatus: "succeeded",
      seq: 2,
      stream: "out",
    });
    expect(hit.url).toBe(`/runs/${run.id}?task=${taskId}#L2`);
    // The marked parts: the word, and the phrase as one piece.
    expect(hit.highlights.map(([s, e]: [number, number]) => hit.text.slice(s, e).toLowerCase())).toEqual([marker, "connection refused"]);

    const words = await get(`/api/v1/logs/search?${new URLSearchParams({ q: `${marker} refused`, pipeline: name })}`);
    expect(words.body.hits.map((h: { seq: number }) => h.seq).sort()).toEqual([2, 3]);
    const failedOnly = await get(`/api/v1/logs/search?${new URLSearchParams({ q: marker, status: "failed" })}`);
    expect(failedOnly.body.hits).toEqual([]);
    const otherPipeline = await get(`/api/v1/logs/search?${new URLSearchParams({ q: marker, pipeline: "no-such-pipeline" })}`);
    expect(otherPipeline.body.hits).toEqual([]);

    expect((await get("/api/v1/logs/search")).status).toBe(400);
    expect((await get(`/api/v1/logs/search?q=x&since=yesterday`)).status).toBe(400);
    expect((await get(`/api/v1/logs/search?q=x`, { token: null })).status).toBe(401);
  }, 120_000);

  it("answers from the MySQL store with the simpler substring search", async () => {
    const tr = await taskRun();
    await new MySqlLogStore(t.db).append(tr.id, [
      { seq: 1, ts: Date.now(), stream: "out", text: "Build started" },
      { seq: 2, ts: Date.now(), stream: "err", text: "npm ERR! Connection Refused while fetching" },
      { seq: 3, ts: Date.now(), stream: "out", text: "refused, then connection" },
    ]);
    const r = await searchLogs(t.db, null, { q: '"connection refused"', limit: 10, visibleProjectIds: null });
    expect(r.engine).toBe("mysql");
    expect(r.hits.map((h) => h.seq)).toEqual([2]);
    expect(r.hits[0].highlights.map(([s, e]) => r.hits[0].text.slice(s, e))).toEqual(["Connection Refused"]);
    const both = await searchLogs(t.db, null, { q: "refused connection", limit: 10, visibleProjectIds: null });
    expect(both.hits.map((h) => h.seq)).toEqual([3, 2]); // newest first
    // Someone who belongs to no project (or another one) finds nothing.
    expect((await searchLogs(t.db, null, { q: "refused", limit: 10, visibleProjectIds: [] })).hits).toEqual([]);
    expect((await searchLogs(t.db, null, { q: "refused", limit: 10, visibleProjectIds: [randomUUID()] })).hits).toEqual([]);
  });
});
