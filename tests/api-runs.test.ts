import { beforeAll, describe, expect, it } from "vitest";
import {
  collectSse,
  createPipeline,
  get,
  openSse,
  post,
  sseEvents,
  shellSpec,
  startRun,
  testEnv,
  uniqueName,
  waitForRun,
  type SseEvent,
} from "./api-helpers";

/**
 * Runs executed by the real operator, watched through the API: final status and shape, the log
 * as text and as SSE (live, resumable), the run's event stream, cancel.
 */

beforeAll(() => {
  testEnv();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("a run that completes", () => {
  let runId: string;
  let run: any;
  beforeAll(async () => {
    const id = await createPipeline({
      name: uniqueName("runs-ok"),
      params: [
        { name: "WHO", default: "world" },
        { name: "SECRET", secret: true },
      ],
      stages: [
        {
          name: "first",
          tasks: [
            { name: "hello", template: "shell", params: { script: 'echo "hello $WHO"; echo "to stderr" >&2; echo "secret is $SECRET"' } },
          ],
        },
        {
          name: "second",
          mode: "parallel",
          tasks: [
            { name: "a", template: "shell", params: { script: "echo a" } },
            { name: "b", template: "shell", params: { script: "echo b" } },
          ],
        },
      ],
    });
    runId = await startRun(id, { params: { WHO: "gantry", SECRET: "hunter2-secret" } });
    run = await waitForRun(runId);
  });

  it("ends succeeded, in the issue's shape", async () => {
    expect(run.status).toBe("succeeded");
    expect(run).toMatchObject({ id: runId, version: 1, message: null });
    expect(run.startedAt).toMatch(ISO);
    expect(run.finishedAt).toMatch(ISO);
    expect(run.stages.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["first", "succeeded"],
      ["second", "succeeded"],
    ]);
    for (const s of run.stages) {
      for (const t of s.tasks) {
        expect(Object.keys(t)).toEqual(
          expect.arrayContaining(["id", "name", "status", "exitCode", "attempt", "startedAt", "finishedAt", "message"]),
        );
        expect(t).toMatchObject({ status: "succeeded", exitCode: 0, attempt: 1 });
        expect(t.startedAt).toMatch(ISO);
        expect(t.finishedAt).toMatch(ISO);
      }
    }
    expect(run.params).toEqual({ WHO: "gantry", SECRET: "***" });
  });

  it("serves the whole log as text/plain, secrets masked", async () => {
    const task = run.stages[0].tasks[0];
    const r = await get(`/api/v1/task-runs/${task.id}/logs`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(r.text).toContain("hello gantry\n");
    expect(r.text).toContain("to stderr\n");
    expect(r.text).toContain("secret is ***");
    expect(r.text).not.toContain("hunter2-secret");

    const ts = await get(`/api/v1/task-runs/${task.id}/logs?timestamps=true`);
    const line = ts.text.split("\n").find((l) => l.endsWith("hello gantry"));
    expect(line).toMatch(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] hello gantry$/);
  });

  it("lists the run on its pipeline, newest first", async () => {
    const page = await get(`/api/v1/pipelines/${run.pipelineId}/runs`);
    expect(page.body.items[0]).toMatchObject({ id: runId, status: "succeeded", number: 1 });
  });

  it("sends a finished run's events as its final state, then end", async () => {
    const events = await collectSse(await openSse(`/api/v1/runs/${runId}/events`));
    expect(events.map((e) => e.event)).toEqual(["run", "end"]);
    expect(JSON.parse(events[0].data)).toEqual(run);
    expect(JSON.parse(events[1].data)).toEqual({ status: "succeeded", rev: run.rev });
  });

  it("ends a finished task's log stream after its lines", async () => {
    const task = run.stages[0].tasks[0];
    const events = await collectSse(await openSse(`/api/v1/task-runs/${task.id}/logs?follow=true`));
    const lines = events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data));
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.find((l) => l.text === "to stderr")).toMatchObject({ stream: "err" });
    expect(lines.find((l) => l.text === "hello gantry")).toMatchObject({ stream: "out", ts: expect.any(Number) });
    expect(events.at(-1)).toMatchObject({ event: "end" });
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ status: "succeeded", lastSeq: lines.length });
  });
});

describe("a run that fails", () => {
  it("reports the exit code, fails the run and skips later stages", async () => {
    const id = await createPipeline({
      name: uniqueName("runs-fail"),
      stages: [
        { name: "build", tasks: [{ name: "broken", template: "shell", params: { script: "echo about to fail; exit 3" } }] },
        { name: "deploy", tasks: [{ name: "never", template: "shell", params: { script: "echo never" } }] },
      ],
    });
    const run = await waitForRun(await startRun(id));
    expect(run.status).toBe("failed");
    expect(run.message).toMatch(/broken/);
    expect(run.stages[0].tasks[0]).toMatchObject({ status: "failed", exitCode: 3 });
    expect(run.stages[0].tasks[0].message).toMatch(/exit code 3/);
    expect(run.stages[1]).toMatchObject({ status: "skipped" });
    expect(run.stages[1].tasks[0]).toMatchObject({ status: "skipped", exitCode: null });
  });
});

describe("live streams", () => {
  it("sends an event for each change of a run and ends with end", async () => {
    const id = await createPipeline({
      name: uniqueName("runs-events"),
      stages: [
        { name: "one", tasks: [{ name: "t1", template: "shell", params: { script: "sleep 0.3" } }] },
        { name: "two", tasks: [{ name: "t2", template: "shell", params: { script: "sleep 0.3" } }] },
      ],
    });
    const runId = await startRun(id);
    const events = await collectSse(await openSse(`/api/v1/runs/${runId}/events`));
    const runs = events.filter((e) => e.event === "run");
    const end = events.at(-1)!;
    expect(end.event).toBe("end");
    // Ids are the run's rev: strictly increasing, and the data's rev matches.
    const ids = runs.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of runs) expect(JSON.parse(e.data).rev).toBe(Number(e.id));
    // It saw the run running and the tasks change, not just the end state.
    const seen = runs.map((e) => JSON.parse(e.data));
    expect(seen.some((v) => v.status === "running")).toBe(true);
    expect(seen.some((v) => v.stages[0].tasks[0].status === "succeeded" && v.stages[1].tasks[0].status !== "succeeded")).toBe(true);
    expect(seen.at(-1).status).toBe("succeeded");
    expect(JSON.parse(end.data)).toMatchObject({ status: "succeeded" });
  });

  it("streams log lines while the task still runs", async () => {
    const id = await createPipeline(shellSpec(uniqueName("runs-live"), "for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done"));
    const runId = await startRun(id);
    const view = (await get(`/api/v1/runs/${runId}`)).body;
    const res = await openSse(`/api/v1/task-runs/${view.stages[0].tasks[0].id}/logs?follow=true`);
    let firstWhileRunning: string | undefined;
    const events: SseEvent[] = [];
    for await (const e of sseEvents(res)) {
      events.push(e);
      if (e.event === "message" && firstWhileRunning === undefined) {
        firstWhileRunning = (await get(`/api/v1/runs/${runId}`)).body.status;
      }
      if (e.event === "end") break;
    }
    expect(firstWhileRunning, "the first line arrived while the run was still running").toBe("running");
    expect(events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).text)).toEqual([
      "tick 1",
      "tick 2",
      "tick 3",
      "tick 4",
      "tick 5",
    ]);
  });

  it("resumes a log stream from Last-Event-ID without gaps or duplicates", async () => {
    const N = 20_000;
    const id = await createPipeline(shellSpec(uniqueName("runs-resume"), `for i in $(seq 1 ${N}); do echo "line $i"; done`));
    const runId = await startRun(id);
    const taskId = (await get(`/api/v1/runs/${runId}`)).body.stages[0].tasks[0].id;

    // First connection: read some lines while the task is running, then drop it.
    const ac = new AbortController();
    const first = await collectSse(
      await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true`, {}, ac.signal),
      (_, all) => all.length >= 1234,
    );
    ac.abort();
    const lastId = first.at(-1)!.id!;
    expect(Number(lastId)).toBe(1234);

    // Second connection resumes after it.
    const rest = await collectSse(await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true`, { "last-event-id": lastId }));
    expect(rest.at(-1)!.event).toBe("end");
    const seqs = [...first, ...rest].filter((e) => e.event === "message").map((e) => Number(e.id));
    expect(seqs.length).toBe(N);
    expect(
      seqs.every((s, i) => s === i + 1),
      "sequence numbers run 1..N without gaps or duplicates",
    ).toBe(true);
    const texts = rest.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).text);
    expect(texts[0]).toBe("line 1235");
    expect(texts.at(-1)).toBe(`line ${N}`);

    // ?after= does the same for clients that cannot set headers.
    const tail = await collectSse(await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true&after=${N - 2}`));
    expect(tail.filter((e) => e.event === "message").map((e) => Number(e.id))).toEqual([N - 1, N]);
    await waitForRun(runId);
  });
});

describe("awkward output", () => {
  it("serves a task that printed nothing: empty text, and a stream that just ends", async () => {
    const run = await waitForRun(await startRun(await createPipeline(shellSpec(uniqueName("runs-quiet"), "true"))));
    const taskId = run.stages[0].tasks[0].id;
    const text = await get(`/api/v1/task-runs/${taskId}/logs`);
    expect(text.status).toBe(200);
    const events = await collectSse(await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true`));
    const lines = events.filter((e) => e.event === "message");
    expect(lines.map((e) => JSON.parse(e.data).stream).every((s) => s === "sys")).toBe(true);
    expect(events.at(-1)!.event).toBe("end");
  });

  it("serves a line over 1 MiB and binary junk over text and SSE", async () => {
    const script = "head -c 1500000 /dev/zero | tr '\\0' 'x'; echo; head -c 3000 /dev/urandom; echo; echo after-junk";
    const run = await waitForRun(await startRun(await createPipeline(shellSpec(uniqueName("runs-junk"), script))));
    expect(run.status).toBe("succeeded");
    const taskId = run.stages[0].tasks[0].id;
    const text = await get(`/api/v1/task-runs/${taskId}/logs`);
    expect(text.status).toBe(200);
    expect(text.text.replace(/[^x]/g, "").length).toBeGreaterThanOrEqual(1_500_000);
    expect(text.text).toContain("after-junk\n");

    const events = await collectSse(await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true`));
    const lines = events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data));
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(
      lines
        .filter((l) => l.stream === "out")
        .map((l) => l.text)
        .join("")
        .replace(/[^x]/g, "").length,
    ).toBeGreaterThanOrEqual(1_500_000);
    expect(lines.at(-1)!.text === "after-junk" || lines.some((l) => l.text === "after-junk")).toBe(true);
    expect(events.at(-1)!.event).toBe("end");
  });
});

describe("cancel", () => {
  it("stops a running task and finishes the run as cancelled; a second cancel is 409", async () => {
    const id = await createPipeline({
      name: uniqueName("runs-cancel"),
      stages: [
        { name: "long", tasks: [{ name: "sleeper", template: "shell", params: { script: "echo started; sleep 60" } }] },
        { name: "after", tasks: [{ name: "later", template: "shell", params: { script: "echo later" } }] },
      ],
    });
    const runId = await startRun(id);
    const taskId = (await get(`/api/v1/runs/${runId}`)).body.stages[0].tasks[0].id;
    // Wait until it runs (its first line is in the log).
    await collectSse(await openSse(`/api/v1/task-runs/${taskId}/logs?follow=true`), (e) => e.event === "message");

    const t0 = Date.now();
    const r = await post(`/api/v1/runs/${runId}/cancel`);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(runId);
    const run = await waitForRun(runId, 20_000);
    expect(Date.now() - t0, "cancel does not wait for the 60 s sleep").toBeLessThan(15_000);
    expect(run.status).toBe("cancelled");
    expect(run.message).toMatch(/cancelled by admin/);
    expect(run.stages[0].tasks[0].status).toBe("cancelled");
    expect(run.stages[1].tasks[0].status).toBe("skipped");

    const again = await post(`/api/v1/runs/${runId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
  });
});
