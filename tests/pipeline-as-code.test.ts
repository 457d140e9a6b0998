import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, post, postGithubPush, put, sandboxReadableDir, testEnv, uniqueName, waitForRun } from "./api-helpers";
import { PipelineRepo, shellFile } from "./pipeline-repo";

/**
 * Pipeline as code through the running stack: a pipeline with `source: {from: repository}` reads
 * `.gantry.yaml` from a real git repository at each signed push's commit, saves it as a version
 * when it changed (the commit's author and subject), runs that version, and fails the run before
 * any task, with the file's lines, when the file is broken or missing.
 */

const SECRET = `hook-${randomUUID()}`;
const secretName = `PAC_${randomUUID().slice(0, 8).toUpperCase().replace(/-/g, "")}`;
let repo: PipelineRepo;
let pipelineId: string;

async function push(sha: string) {
  const r = await postGithubPush(pipelineId, SECRET, {
    sha,
    message: repo.git("log", "-1", "--format=%s", sha),
    cloneUrl: repo.url,
    commitUrl: `https://git.example.test/c/${sha}`,
  });
  expect(r.status, r.text).toBe(201);
  return r.body as { runId: string; message: string };
}

const logOf = async (run: { stages: { tasks: { id: string }[] }[] }) =>
  (await get(`/api/v1/task-runs/${run.stages[0].tasks[0].id}/logs`, { headers: { accept: "text/plain" } })).text;
const versions = async () => (await get(`/api/v1/pipelines/${pipelineId}/versions`)).body.items as Record<string, any>[];

beforeAll(async () => {
  testEnv();
  expect((await put(`/api/v1/projects/default/secrets/${secretName}`, { value: SECRET })).status).toBeLessThan(300);
  repo = new PipelineRepo(sandboxReadableDir("gantry-pac-repo-"));
  repo.commit("add the pipeline", { ".gantry.yaml": shellFile("from the file, first") });
  const r = await post("/api/v1/pipelines", {
    name: uniqueName("pac"),
    repository: { url: repo.url },
    triggers: [{ provider: "github", secret: secretName }],
    source: { from: "repository" },
    stages: [],
  });
  expect(r.status, r.text).toBe(201);
  pipelineId = r.body.id;
});
afterAll(() => {
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

describe("pipeline as code", () => {
  it("runs the file of the pushed commit as a new version by the commit's author; an unchanged file makes no version", async () => {
    const sha = repo.commit("first pipeline", { ".gantry.yaml": shellFile("from the file, one") }, "Alice");
    const first = await waitForRun((await push(sha)).runId);
    expect(first.status, JSON.stringify(first)).toBe("succeeded");
    expect(await logOf(first)).toContain("from the file, one");
    const [v] = await versions();
    expect(first.version).toBe(v.version);
    expect(v).toMatchObject({ author: "Alice", message: "first pipeline", commit: { sha, url: `https://git.example.test/c/${sha}` } });

    // A commit that leaves the file as it is runs the same version.
    const other = repo.commit("touch the readme", { "README.md": "hello\n" });
    const second = await waitForRun((await push(other)).runId);
    expect(second.status).toBe("succeeded");
    expect(second.version).toBe(first.version);
    expect((await versions()).length).toBe(v.version);
  });

  it("saves a changed file as the next version with the commit's subject, comments kept", async () => {
    const sha = repo.commit("say something else", { ".gantry.yaml": shellFile("from the file, two") }, "Bob");
    const run = await waitForRun((await push(sha)).runId);
    expect(run.status).toBe("succeeded");
    expect(await logOf(run)).toContain("from the file, two");
    const [v] = await versions();
    expect(v).toMatchObject({ version: run.version, author: "Bob", message: "say something else", commit: { sha } });
    const saved = (await get(`/api/v1/pipelines/${pipelineId}/versions/${run.version}`)).body;
    expect(saved.source).toContain("# kept in the repository");
    expect(saved.spec.triggers).toEqual([expect.objectContaining({ provider: "github", secret: secretName })]);
  });

  it("fails the run before any task when the file does not validate, naming each problem's line", async () => {
    const before = (await versions()).length;
    const broken = shellFile("never runs").replace("template: shell", "template: no-such-template").replace("name: say", "name: Say");
    const sha = repo.commit("break the pipeline", { ".gantry.yaml": broken });
    // The file is read after the delivery is answered (tests/pipeline-file-later.test.ts).
    const hook = await push(sha);
    expect(hook.message).toMatch(/^started run #\d+ for push of refs\/heads\/main/);
    const run = await waitForRun(hook.runId);
    expect(run.status).toBe("failed");
    expect(run.stages).toEqual([]);
    expect(run.message).toContain(`.gantry.yaml at ${sha.slice(0, 12)} is not a valid pipeline`);
    expect(run.message).toContain(".gantry.yaml line 5: stages[0].tasks[0].name:");
    expect(run.errors).toEqual([expect.objectContaining({ path: "stages[0].tasks[0].name", line: 5 })]);
    expect((await versions()).length).toBe(before);

    // What only the catalog knows (the template) gets its line too.
    const unknown = repo.commit("unknown template", {
      ".gantry.yaml": shellFile("never").replace("template: shell", "template: no-such-template"),
    });
    const run2 = await waitForRun((await push(unknown)).runId);
    expect(run2.status).toBe("failed");
    expect(run2.errors).toEqual([{ path: "stages[0].tasks[0].template", message: "unknown template 'no-such-template'", line: 6 }]);
  });

  it("fails the run when the file is missing, and a manual run reads the default branch", async () => {
    repo.git("rm", "-q", ".gantry.yaml");
    const gone = repo.commit("drop the pipeline file", {});
    const run = await waitForRun((await push(gone)).runId);
    expect(run.status).toBe("failed");
    expect(run.message).toBe(`.gantry.yaml does not exist at commit ${gone.slice(0, 12)} (drop the pipeline file)`);

    repo.commit("bring it back", { ".gantry.yaml": shellFile("manual run of main") });
    const r = await post(`/api/v1/pipelines/${pipelineId}/runs`, {});
    expect(r.status, r.text).toBe(201);
    const manual = await waitForRun(r.body.id);
    expect(manual.status).toBe("succeeded");
    expect(await logOf(manual)).toContain("manual run of main");
  });

  it("runs an exported pipeline as the repository's file: the same stages", async () => {
    const db = await post("/api/v1/pipelines", {
      name: uniqueName("exported"),
      params: [{ name: "WHO", default: "export" }],
      stages: [{ name: "build", tasks: [{ name: "hello", template: "shell", params: { script: 'echo "hello from the export"' } }] }],
    });
    expect(db.status, db.text).toBe(201);
    const exported = (await get(`/api/v1/pipelines/${db.body.id}/export`)).text;
    const sha = repo.commit("use the exported pipeline", { ".gantry.yaml": exported });
    const run = await waitForRun((await push(sha)).runId);
    expect(run.status, run.message).toBe("succeeded");
    expect(await logOf(run)).toContain("hello from the export");
    const saved = (await get(`/api/v1/pipelines/${pipelineId}/versions/${run.version}`)).body.spec;
    const original = parse(exported);
    expect(saved.stages).toEqual((await get(`/api/v1/pipelines/${db.body.id}`)).body.spec.stages);
    expect(saved.params).toEqual(original.params);
    // The file's name does not rename the pipeline kept in the repository.
    expect(saved.name).not.toBe(original.name);
  });
});
