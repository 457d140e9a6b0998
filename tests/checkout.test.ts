import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { PipelineSpecSchema, type PipelineSpecInput } from "@/lib/pipeline-spec";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import {
  createTestDatabase,
  gitEnv,
  logText,
  sh,
  startInProcessOperator,
  startRunWithPlans,
  taskOf,
  waitForRunEnd,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The pipeline's `repository` in local mode, end to end: a real git repository made here, the
 * operator's scheduler in this process, real child processes. The tasks must find the checkout
 * at the revision the run resolved (the spec's, a param's, the webhook's commit) in their
 * workspace, as the clone init container leaves it in Kubernetes mode.
 */

let t: TestDatabase;
let op: ReturnType<typeof startInProcessOperator>;
let root: string;
let repo: string;
const sha: Record<"v1" | "main" | "feature", string> = { v1: "", main: "", feature: "" };

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", env: gitEnv }).trim();
const commit = (version: string, message: string) => {
  writeFileSync(path.join(repo, "VERSION"), `${version}\n`);
  git("add", "VERSION");
  git("commit", "-q", "-m", message);
  return git("rev-parse", "HEAD");
};

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "gantry-checkout-"));
  repo = path.join(root, "web");
  execFileSync("git", ["init", "-q", "-b", "main", repo], { env: gitEnv });
  sha.v1 = commit("1", "first");
  git("tag", "v1");
  writeFileSync(path.join(repo, "run.sh"), '#!/bin/sh\necho "run.sh of the checkout"\n', { mode: 0o755 });
  git("add", "run.sh");
  sha.main = commit("2", "second");
  git("checkout", "-q", "-b", "feature/x");
  sha.feature = commit("3", "on a branch");
  git("checkout", "-q", "main");
  t = await createTestDatabase("gantry_checkout");
  op = startInProcessOperator(t.db, { concurrency: 4 });
}, 60_000);

afterAll(async () => {
  await op?.stop();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** What a task prints about the checkout it found. */
const SHOW = 'echo "found version $(cat src/VERSION) at $(git -C src rev-parse HEAD)"';

async function pipeline(repository: PipelineSpecInput["repository"], stages: PipelineSpecInput["stages"]): Promise<string> {
  const spec = PipelineSpecSchema.parse({
    name: `co-${randomBytes(4).toString("hex")}`,
    params: [{ name: "REV", default: "v1" }],
    repository,
    stages,
  });
  return (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
}

describe("checkout of the pipeline's repository (local executor)", () => {
  it("clones the revision into the workspace before the first task; later tasks find the same checkout and what earlier ones left", async () => {
    const id = await pipeline({ url: `file://${repo}`, revision: "{{params.REV}}" }, [
      { name: "build", tasks: [sh("build", `${SHOW}; echo built > src/built`)] },
      { name: "test", tasks: [sh("test", `${SHOW}; cat src/built`)] },
    ]);
    const run = await createRun(t.db, id);
    const view = await waitForRunEnd(t.db, run.id, 60_000);
    const build = taskOf(view, "build");
    const test = taskOf(view, "test");
    expect(view.status, `${build.message} / ${test.message}`).toBe("succeeded");
    expect(await logText(t.db, build.id, "sys")).toContain(`checking out file://${repo} at v1 into src`);
    const out = await logText(t.db, build.id, "out");
    expect(out).toContain(`checked out ${sha.v1} (first)`);
    expect(out).toContain(`found version 1 at ${sha.v1}`);
    const later = await logText(t.db, test.id, "out");
    expect(later).toContain("gantry: src already holds this run's checkout");
    expect(later).toEqual(expect.arrayContaining([`found version 1 at ${sha.v1}`, "built"]));
  }, 90_000);

  it("checks out the run's param, else the default branch", async () => {
    const id = await pipeline({ url: `file://${repo}`, revision: "{{params.REV}}", dir: "app/code" }, [
      { name: "build", tasks: [sh("build", 'echo "found version $(cat app/code/VERSION) at $(git -C app/code rev-parse HEAD)"')] },
    ]);
    const branch = await waitForRunEnd(t.db, (await createRun(t.db, id, { params: { REV: "feature/x" } })).id, 60_000);
    expect(await logText(t.db, taskOf(branch, "build").id, "out")).toContain(`found version 3 at ${sha.feature}`);
    const head = await waitForRunEnd(t.db, (await createRun(t.db, id, { params: { REV: "" } })).id, 60_000);
    expect(await logText(t.db, taskOf(head, "build").id, "out")).toContain(`found version 2 at ${sha.main}`);
  }, 90_000);

  it("checks out the branch or tag a run was started for (the Run dialog's, the API's ref), over the spec's revision", async () => {
    const id = await pipeline({ url: `file://${repo}`, revision: "main" }, [{ name: "build", tasks: [sh("build", SHOW)] }]);
    const branch = await waitForRunEnd(t.db, (await createRun(t.db, id, { ref: "feature/x" })).id, 60_000);
    expect(await logText(t.db, taskOf(branch, "build").id, "out")).toContain(`found version 3 at ${sha.feature}`);
    const tag = await waitForRunEnd(t.db, (await createRun(t.db, id, { ref: "refs/tags/v1" })).id, 60_000);
    expect(await logText(t.db, taskOf(tag, "build").id, "out")).toContain(`found version 1 at ${sha.v1}`);
  }, 90_000);

  it("checks out the pushed commit when a webhook of the same repository started the run", async () => {
    const id = await pipeline({ url: `file://${repo}`, revision: "main" }, [{ name: "build", tasks: [sh("build", SHOW)] }]);
    // As server/hooks/deliver.ts creates it: the normalised event, spelt the provider's way.
    const event = {
      provider: "generic",
      type: "push",
      ref: "refs/heads/feature/x",
      branch: "feature/x",
      tag: null,
      sha: sha.feature,
      repoUrl: `file://${repo}.git/`,
    };
    const run = await createRun(t.db, id, { trigger: "generic", ref: event.ref, event, env: { GIT_SHA: sha.feature } });
    const view = await waitForRunEnd(t.db, run.id, 60_000);
    expect(view.status, taskOf(view, "build").message ?? "").toBe("succeeded");
    expect(await logText(t.db, taskOf(view, "build").id, "out")).toContain(`found version 3 at ${sha.feature}`);
  }, 90_000);

  it("fails the task with git's reason when the revision or the repository does not exist, and the task never runs", async () => {
    const id = await pipeline({ url: `file://${repo}`, revision: "{{params.REV}}" }, [
      { name: "build", tasks: [sh("build", "echo task ran")] },
    ]);
    const bad = await waitForRunEnd(t.db, (await createRun(t.db, id, { params: { REV: "no-such-branch" } })).id, 60_000);
    const task = taskOf(bad, "build");
    expect(bad.status).toBe("failed");
    expect(task.message).toMatch(/^clone failed with exit code \d+: .*no-such-branch/);
    expect(await logText(t.db, task.id, "out")).not.toContain("task ran");

    const gone = await pipeline({ url: `file://${root}/gone` }, [{ name: "build", tasks: [sh("build", "echo task ran")] }]);
    const view = await waitForRunEnd(t.db, (await createRun(t.db, gone)).id, 60_000);
    expect(taskOf(view, "build").message).toMatch(
      /^clone failed with exit code 128: fatal: .*gone' does not appear to be a git repository$/,
    );
  }, 90_000);

  it("runs a program of the checkout itself, and still says a task's program is not installed, without retrying", async () => {
    const source = { git: { url: `file://${repo}`, revision: "main", dir: "src" } };
    const own = await startRunWithPlans(t.db, [{ name: "own", plan: { localCommand: ["src/run.sh"], source } }]);
    expect(await logText(t.db, taskOf(await waitForRunEnd(t.db, own, 60_000), "own").id, "out")).toContain("run.sh of the checkout");

    const runId = await startRunWithPlans(t.db, [{ name: "nope", plan: { localCommand: ["gantry-no-such-program"], retries: 2, source } }]);
    const task = taskOf(await waitForRunEnd(t.db, runId, 60_000), "nope");
    expect(task.message).toBe("cannot run 'gantry-no-such-program': program not found (is it installed and on the PATH?)");
    expect(task.attempt).toBe(1);
  }, 60_000);
});
