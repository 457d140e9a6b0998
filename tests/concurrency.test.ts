import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { PipelineSpecSchema, type ConcurrencySpec } from "@/lib/pipeline-spec";
import { auditEvents, taskRuns } from "@/server/db/schema";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import { advanceAndClaim, finishTaskRun } from "@/server/runs/operator-queries";
import { createTestDatabase, runRow, sh, type TestDatabase } from "./executor-helpers";
import { get, post, waitForRun } from "./api-helpers";

/**
 * Per-pipeline concurrency (spec `concurrency`): the operator's claim keeps runs queued past `max`
 * and behind an older run of the same ref, or cancels that older run. Driven by hand against a
 * private database, as an operator would; then once through the running stack.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("gantry_conc");
});
afterAll(async () => {
  await t?.close();
});

async function pipeline(concurrency: ConcurrencySpec) {
  const spec = PipelineSpecSchema.parse({
    name: `c-${randomBytes(4).toString("hex")}`,
    concurrency,
    stages: [{ name: "s", tasks: [sh("only", "true")] }],
  });
  return (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
}
const claim = (runId: string) => advanceAndClaim(t.db, runId, { operatorId: "op-a", capacity: 10 });
const start = async (pipelineId: string, ref?: string) => (await createRun(t.db, pipelineId, { ref })).id;
async function finish(runId: string, status: "succeeded" | "failed" | "cancelled" = "succeeded") {
  const [tr] = await t.db
    .select()
    .from(taskRuns)
    .where(and(eq(taskRuns.runId, runId), eq(taskRuns.status, "running")));
  await finishTaskRun(t.db, tr, { status, exitCode: status === "succeeded" ? 0 : 1, message: null });
  await claim(runId);
}

describe("maximum concurrent runs", () => {
  it("keeps runs past the limit queued, says why, and starts the oldest when a slot frees", async () => {
    const p = await pipeline({ max: 2 });
    const [a, b, c, d] = [await start(p), await start(p), await start(p), await start(p)];
    expect((await claim(a)).claimed).toHaveLength(1);
    expect((await claim(b)).claimed).toHaveLength(1);
    // d is looked at before c: it still waits behind c.
    const held = await claim(d);
    expect(held.claimed).toHaveLength(0);
    expect(held.unclaimed).toBe(1); // the operator looks again at the next poll
    expect((await claim(c)).claimed).toHaveLength(0);
    expect(await runRow(t.db, c)).toMatchObject({
      status: "queued",
      message: "Queued: waiting for a free slot: 2 runs of this pipeline active (at most 2 at once)",
    });
    expect((await runRow(t.db, d)).message).toBe(
      "Queued: waiting for a free slot: 2 runs of this pipeline active, 1 queued ahead (at most 2 at once)",
    );

    await finish(a);
    expect((await claim(d)).claimed).toHaveLength(0); // c is older
    expect((await claim(c)).claimed).toHaveLength(1);
    expect(await runRow(t.db, c)).toMatchObject({ status: "running", message: null });
    await finish(b, "failed");
    expect((await claim(d)).claimed).toHaveLength(1);
  });

  it("leaves pipelines without settings alone", async () => {
    const p = await pipeline({});
    const runs = [await start(p, "main"), await start(p, "main"), await start(p, "main")];
    for (const r of runs) expect((await claim(r)).claimed).toHaveLength(1);
  });
});

describe("runs of the same ref", () => {
  it("queue: a newer run waits for the older one of its ref; other refs and runs without a ref go on", async () => {
    const p = await pipeline({ sameRef: "queue" });
    const main1 = await start(p, "main");
    const main2 = await start(p, "main");
    const dev = await start(p, "dev");
    const none = await start(p);
    expect((await claim(main1)).claimed).toHaveLength(1);
    expect((await claim(main2)).claimed).toHaveLength(0);
    expect((await runRow(t.db, main2)).message).toMatch(/^Queued: waiting for run #1 of the same ref 'main' to end$/);
    expect((await claim(dev)).claimed).toHaveLength(1);
    expect((await claim(none)).claimed).toHaveLength(1);
    await finish(main1);
    expect((await claim(main2)).claimed).toHaveLength(1);
  });

  it("queue with max: a run waiting for its ref does not take a slot from a younger run of another ref", async () => {
    const p = await pipeline({ max: 2, sameRef: "queue" });
    const main1 = await start(p, "main");
    const main2 = await start(p, "main");
    const dev = await start(p, "dev");
    expect((await claim(main1)).claimed).toHaveLength(1);
    expect((await claim(main2)).claimed).toHaveLength(0);
    expect((await claim(dev)).claimed).toHaveLength(1);
  });

  it("cancel-previous: the newer run starts and the older one of its ref is cancelled, with an audit record", async () => {
    const p = await pipeline({ sameRef: "cancel-previous" });
    const old = await start(p, "feature/x");
    const queuedOld = await start(p, "feature/x");
    const other = await start(p, "main");
    expect((await claim(old)).claimed).toHaveLength(1);
    expect((await claim(other)).claimed).toHaveLength(1);
    const fresh = await start(p, "feature/x");
    expect((await claim(fresh)).claimed).toHaveLength(1);

    // The running one is stopped by its operator (cancel requested); the queued one ends at once.
    expect(await runRow(t.db, old)).toMatchObject({ cancelRequested: true, message: "cancelled by run #4, a newer run of 'feature/x'" });
    await finish(old, "cancelled");
    expect((await runRow(t.db, old)).status).toBe("cancelled");
    expect((await runRow(t.db, queuedOld)).status).toBe("cancelled");
    expect((await runRow(t.db, other)).status).toBe("running");
    const records = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "run.cancel"), eq(auditEvents.targetId, old)));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actorName: "gantry", details: { ref: "feature/x", replacedBy: fresh } });
  });
});

describe("max with cancel-previous", () => {
  it("a newer run of the same ref replaces the older one even when it has to wait for the slot it frees", async () => {
    const p = await pipeline({ max: 1, sameRef: "cancel-previous" });
    const old = await start(p, "main");
    expect((await claim(old)).claimed).toHaveLength(1);
    const fresh = await start(p, "main");
    expect((await claim(fresh)).claimed).toHaveLength(0);
    expect(await runRow(t.db, old)).toMatchObject({ cancelRequested: true });
    await finish(old, "cancelled");
    expect((await claim(fresh)).claimed).toHaveLength(1);
  });
});

describe("through the running stack", () => {
  it("a run created with a ref over the API waits for the running one of the same ref", async () => {
    const name = `conc-${randomBytes(4).toString("hex")}`;
    const spec = {
      name,
      concurrency: { sameRef: "queue" },
      stages: [{ name: "s", tasks: [{ name: "nap", template: "shell", params: { script: "sleep 2" } }] }],
    };
    const created = await post("/api/v1/pipelines", spec);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const first = await post(`/api/v1/pipelines/${id}/runs`, { ref: "main" });
    expect(first.status).toBe(201);
    const second = await post(`/api/v1/pipelines/${id}/runs`, { ref: "main" });
    await expect
      .poll(async () => (await get(`/api/v1/runs/${second.body.id}`)).body.message, { timeout: 15_000 })
      .toBe("Queued: waiting for run #1 of the same ref 'main' to end");
    const r2 = await get(`/api/v1/runs/${second.body.id}`);
    expect(r2.body.ref).toBe("main");
    expect((await waitForRun(first.body.id)).status).toBe("succeeded");
    const done = await waitForRun(second.body.id);
    expect(done.status).toBe("succeeded");
    expect(new Date(done.startedAt).getTime()).toBeGreaterThanOrEqual(
      new Date((await get(`/api/v1/runs/${first.body.id}`)).body.finishedAt).getTime(),
    );
  });
});
