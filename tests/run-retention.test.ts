import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import mysql from "mysql2/promise";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { DEFAULT_PROJECT_ID, DEFAULT_PROJECT_SLUG } from "@/lib/projects";
import type { RunStatus } from "@/lib/status";
import { storageKey } from "@/server/artifacts/keys";
import { LocalArtifactStore } from "@/server/artifacts/local-store";
import { S3ArtifactStore } from "@/server/artifacts/s3-store";
import {
  approvals,
  artifacts,
  auditEvents,
  notificationOutbox,
  runs,
  taskRuns,
  taskTriage,
  testCases,
  webhookDeliveries,
} from "@/server/db/schema";
import { MySqlLogStore } from "@/server/logs/store";
import { createPipeline } from "@/server/pipelines/pipelines";
import { pruneRuns, RETENTION_LOCK, withRetentionLock } from "@/server/runs/retention";
import { operatorMetrics } from "@/server/metrics/operator";
import { createTestDatabase, startInProcessOperator, tempDir, waitFor, type TestDatabase } from "./executor-helpers";

/**
 * Run retention on a real MariaDB with the local artifact store: old runs go with their task
 * runs, log lines, approvals, triage, test cases, notifications and artifact files; a pipeline's
 * `retention.keep` keeps its newest N; active runs, a pipeline's newest success and runs with a
 * notification still to send stay; a second pass finds nothing; one replica prunes at a time.
 */

let t: TestDatabase;
let dir: string;
let store: LocalArtifactStore;
const now = new Date();
const ago = (hours: number) => new Date(now.getTime() - hours * 3600_000);
const DAY = 24;

beforeAll(async () => {
  t = await createTestDatabase("gantry_retention");
  dir = tempDir("retention-artifacts");
  store = new LocalArtifactStore(dir);
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function pipeline(name: string, retention?: { keep?: number; days?: number }): Promise<string> {
  const spec = PipelineSpecSchema.parse({
    name: `${name}-${randomUUID().slice(0, 8)}`,
    ...(retention ? { retention } : {}),
    stages: [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "true" } }] }],
  });
  return (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
}

interface Made {
  id: string;
  number: number;
  taskRunIds: string[];
  files: string[];
}

let numbers = 0;
/** A run with two task runs, three log chunks each, an artifact file, a test case, an approval and a triage row. */
async function run(
  pipelineId: string,
  status: RunStatus,
  finishedAt: Date | null,
  extra: { pendingNotification?: boolean } = {},
): Promise<Made> {
  const id = randomUUID();
  const number = ++numbers;
  const created = finishedAt ? new Date(finishedAt.getTime() - 60_000) : ago(300 * DAY);
  await t.db.insert(runs).values({
    id,
    pipelineId,
    number,
    version: 1,
    status,
    params: {},
    secretNames: [],
    createdAt: created,
    startedAt: created,
    finishedAt,
  });
  const taskRunIds = [randomUUID(), randomUUID()];
  await t.db.insert(taskRuns).values(
    taskRunIds.map((trId, i) => ({
      id: trId,
      runId: id,
      stageIndex: 0,
      stageName: "build",
      stageMode: "sequential" as const,
      taskIndex: i,
      name: `task-${i}`,
      status,
      plan: {
        template: "shell",
        templateVersion: 1,
        image: "busybox",
        command: ["true"],
        localCommand: ["true"],
        env: {},
        timeoutSeconds: 60,
        retries: 0,
      },
      finishedAt,
    })),
  );
  const logs = new MySqlLogStore(t.db);
  for (const trId of taskRunIds)
    for (let c = 0; c < 3; c++)
      await logs.append(trId, [
        { seq: c * 2 + 1, ts: created.getTime(), stream: "out", text: `line ${c * 2 + 1} of ${trId}` },
        { seq: c * 2 + 2, ts: created.getTime(), stream: "out", text: `line ${c * 2 + 2} of ${trId}` },
      ]);
  const key = storageKey({ projectSlug: DEFAULT_PROJECT_SLUG, pipelineId, runNumber: number }, "dist/app.tgz");
  mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
  writeFileSync(path.join(dir, key), `artifact of run ${number}`);
  await t.db
    .insert(artifacts)
    .values({ id: randomUUID(), runId: id, taskRunId: taskRunIds[0], name: "dist/app.tgz", size: 20, storageKey: key });
  await t.db.insert(testCases).values({
    runId: id,
    taskRunId: taskRunIds[1],
    pipelineId,
    suite: "s",
    classname: "c",
    name: "adds",
    testKey: "k".repeat(64),
    status: "passed",
  });
  await t.db.insert(approvals).values({ id: randomUUID(), taskRunId: taskRunIds[0], username: "alice", decision: "approve" });
  await t.db.insert(taskTriage).values({
    taskRunId: taskRunIds[1],
    runId: id,
    pipelineId,
    projectId: DEFAULT_PROJECT_ID,
    taskName: "task-1",
    fingerprint: "0123456789abcdef",
  });
  await t.db.insert(notificationOutbox).values({
    id: randomUUID(),
    runId: id,
    event: "failure",
    channel: "webhook",
    target: "http://127.0.0.1:9/hook",
    status: extra.pendingNotification ? "pending" : "sent",
  });
  return { id, number, taskRunIds, files: [path.join(dir, key)] };
}

const count = async (q: string, params: unknown[]) => Number((await t.query<{ n: number }>(q, params))[0].n);

describe("run retention", () => {
  let site: Record<string, Made>;
  let keep3: Record<string, Made>;
  let forever: Made;
  let deliveryId: string;

  beforeAll(async () => {
    // No retention of its own: the site's 30 days apply.
    const a = await pipeline("site-default");
    site = {
      old1: await run(a, "succeeded", ago(100 * DAY)),
      old2: await run(a, "failed", ago(60 * DAY)),
      // The pipeline's newest success: kept whatever its age.
      lastSuccess: await run(a, "succeeded", ago(40 * DAY)),
      recent: await run(a, "failed", ago(10 * DAY)),
      // Created long ago, still going.
      running: await run(a, "running", null),
      waiting: await run(a, "waiting", null),
      // Its failure mail has not gone out yet.
      unsent: await run(a, "failed", ago(50 * DAY), { pendingNotification: true }),
    };
    deliveryId = randomUUID();
    await t.db.insert(webhookDeliveries).values({
      id: deliveryId,
      pipelineId: a,
      provider: "github",
      deliveryId: randomUUID(),
      headers: {},
      payload: "{}",
      result: "accepted",
      runId: site.old1.id,
    });

    // keep: 3 (and the site's 30 days): its 8 runs finished within the last day.
    const b = await pipeline("keep-three", { keep: 3 });
    keep3 = {};
    for (let h = 8; h >= 1; h--) keep3[`h${h}`] = await run(b, h === 6 ? "succeeded" : "failed", ago(h));
    keep3.queued = await run(b, "queued", null);

    // days: 0 keeps its runs forever, whatever the site says.
    forever = await run(await pipeline("forever", { days: 0 }), "failed", ago(400 * DAY));
  });

  it("deletes exactly the runs past retention, with their task runs, logs, artifacts and the rest, in batches", async () => {
    const gone = [site.old1, site.old2, keep3.h4, keep3.h5, keep3.h7, keep3.h8];
    const kept = [
      site.lastSuccess,
      site.recent,
      site.running,
      site.waiting,
      site.unsent,
      keep3.h1,
      keep3.h2,
      keep3.h3,
      keep3.h6,
      keep3.queued,
      forever,
    ];
    const all = [...gone, ...kept];
    const r = await pruneRuns(t.db, { store, globalDays: 30, now, batchSize: 2 });

    const left = (
      await t.db
        .select({ id: runs.id })
        .from(runs)
        .where(
          inArray(
            runs.id,
            all.map((m) => m.id),
          ),
        )
    )
      .map((x) => x.id)
      .sort();
    expect(left, "the runs left").toEqual(kept.map((m) => m.id).sort());
    expect(r).toMatchObject({ runs: 6, taskRuns: 12, logChunks: 36, testCases: 6, artifacts: 6, capped: false });
    // Batches of 2 runs: site-default's 2, keep-three's 4.
    expect(r.batches).toBe(3);

    const goneTasks = gone.flatMap((m) => m.taskRunIds);
    const keptTasks = kept.flatMap((m) => m.taskRunIds);
    const goneRuns = gone.map((m) => m.id);
    expect(await count("select count(*) n from task_runs where run_id in (?)", [goneRuns])).toBe(0);
    expect(await count("select count(*) n from log_chunks where task_run_id in (?)", [goneTasks])).toBe(0);
    expect(await count("select count(*) n from log_chunks where task_run_id in (?)", [keptTasks])).toBe(keptTasks.length * 3);
    for (const table of ["artifacts", "test_cases", "task_triage", "notification_outbox"])
      expect(await count(`select count(*) n from ${table} where run_id in (?)`, [goneRuns]), table).toBe(0);
    expect(await count("select count(*) n from approvals where task_run_id in (?)", [goneTasks])).toBe(0);
    expect(await count("select count(*) n from approvals where task_run_id in (?)", [keptTasks])).toBe(kept.length);
    expect(await count("select count(*) n from artifacts where run_id in (?)", [kept.map((m) => m.id)])).toBe(kept.length);

    for (const m of gone) expect(existsSync(m.files[0]), `artifact of deleted run #${m.number}`).toBe(false);
    // The run's directory goes with its last file.
    for (const m of gone) expect(existsSync(path.dirname(path.dirname(m.files[0]))), `directory of deleted run #${m.number}`).toBe(false);
    for (const m of kept) expect(await readFile(m.files[0], "utf8")).toBe(`artifact of run ${m.number}`);

    // The delivery stays, without its run.
    const [delivery] = await t.db
      .select({ runId: webhookDeliveries.runId })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, deliveryId));
    expect(delivery.runId).toBeNull();

    // The audit log says what went, by pipeline, as Gantry's own action.
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.action, "run.prune"));
    expect(events.every((e) => e.actorName === "gantry" && e.actorId === null && e.targetType === "pipeline")).toBe(true);
    const numbers = events.flatMap((e) => (e.details as { numbers: number[] }).numbers).sort((x, y) => x - y);
    expect(numbers).toEqual(gone.map((m) => m.number).sort((x, y) => x - y));
  });

  it("finds nothing to delete on a second pass", async () => {
    const before = await count("select count(*) n from runs", []);
    const r = await pruneRuns(t.db, { store, globalDays: 30, now });
    expect(r).toMatchObject({ runs: 0, taskRuns: 0, logChunks: 0, artifacts: 0, batches: 0 });
    expect(await count("select count(*) n from runs", [])).toBe(before);
  });

  it("keeps the newest N when runs of keep pipelines finish later, and never a run still going", async () => {
    // keep-three's queued run finishes now: the oldest of the three kept (h3) goes, the success (h6) stays.
    await t.db.update(runs).set({ status: "failed", finishedAt: now }).where(eq(runs.id, keep3.queued.id));
    const r = await pruneRuns(t.db, { store, globalDays: 30, now });
    expect(r.runs).toBe(1);
    const left = await t.db
      .select({ id: runs.id })
      .from(runs)
      .where(
        inArray(
          runs.id,
          Object.values(keep3).map((m) => m.id),
        ),
      );
    expect(left.map((x) => x.id).sort()).toEqual([keep3.queued.id, keep3.h1.id, keep3.h2.id, keep3.h6.id].sort());
    // Ten years on with the site's retention off: only keep-three prunes, and what is past its newest 3 is its success.
    expect((await pruneRuns(t.db, { store, globalDays: 0, now: new Date(now.getTime() + 3650 * 86_400_000) })).runs).toBe(0);
    expect(await count("select count(*) n from runs where id in (?)", [[site.lastSuccess.id, site.recent.id, site.unsent.id]])).toBe(3);
    expect(await count("select count(*) n from runs where id in (?)", [[site.running.id, site.waiting.id]])).toBe(2);
  });

  it("lets one replica prune at a time", async () => {
    const other = await mysql.createConnection(t.url);
    try {
      const [rows] = await other.query("SELECT GET_LOCK(?, 0) AS got", [RETENTION_LOCK]);
      expect((rows as { got: number }[])[0].got).toBe(1);
      let ran = false;
      expect(await withRetentionLock(t.db, async () => (ran = true))).toBeNull();
      expect(ran, "pruned while another replica held the lock").toBe(false);
      await other.query("SELECT RELEASE_LOCK(?)", [RETENTION_LOCK]);
      expect(await withRetentionLock(t.db, async () => "pruned")).toBe("pruned");
    } finally {
      await other.end();
    }
  });
});

describe("run retention in the operator", () => {
  it("prunes in the background of its housekeeping and counts what it deleted", async () => {
    const p = await pipeline("by-operator", { keep: 1 });
    const older = await run(p, "failed", ago(2));
    const newer = await run(p, "failed", ago(1));
    const counted = async () => (await operatorMetrics().retentionDeleted.get()).values.find((v) => v.labels.kind === "runs")?.value ?? 0;
    const before = await counted();
    const op = startInProcessOperator(t.db, { retention: { days: 0, store: () => store, everyMs: 100 } });
    try {
      await waitFor(
        "the operator to prune the older run",
        async () => (await count("select count(*) n from runs where id = ?", [older.id])) === 0,
      );
      expect(await count("select count(*) n from runs where id = ?", [newer.id])).toBe(1);
      expect(existsSync(older.files[0])).toBe(false);
      expect(await counted()).toBeGreaterThanOrEqual(before + 1);
    } finally {
      await op.stop();
    }
  });
});

interface S3Settings {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  prefix: string;
}
const S3 = process.env.GANTRY_TEST_S3 ? (JSON.parse(process.env.GANTRY_TEST_S3) as S3Settings) : null;
if (!S3 && process.env.CI === "true") throw new Error("GANTRY_TEST_S3 is not set: the S3 part of the retention suite cannot run under CI");

describe.skipIf(!S3)("run retention on S3", () => {
  it("deletes a run's objects from the bucket, and takes an object already gone as deleted", async () => {
    const s3 = S3 as S3Settings;
    const bucketStore = new S3ArtifactStore({
      bucket: s3.bucket,
      prefix: s3.prefix,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
      pathStyle: true,
    });
    const file = path.join(tempDir("retention-s3"), "a.txt");
    writeFileSync(file, "bytes");
    const base = `retention-${randomUUID()}/`;
    await bucketStore.put(`${base}1/a.txt`, file, { size: 5, contentType: "text/plain" });
    await bucketStore.put(`${base}2/a.txt`, file, { size: 5, contentType: "text/plain" });
    await bucketStore.delete([`${base}1/a.txt`, `${base}1/never-there.txt`]);
    await expect(bucketStore.get(`${base}1/a.txt`)).rejects.toMatchObject({ code: "not_found" });
    expect((await bucketStore.get(`${base}2/a.txt`)).readable).toBe(true);
  });
});
