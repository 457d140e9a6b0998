import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { PipelineSpecSchema, type PipelineSpecInput } from "@/lib/pipeline-spec";
import type { SandboxSettings } from "@/operator/executors/local/sandbox";
import { operatorMetrics } from "@/server/metrics/operator";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import type { RunView } from "@/server/runs/queries";
import { sandboxReadableDir } from "./api-helpers";
import {
  createTestDatabase,
  gitEnv,
  logText,
  startInProcessOperator,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The node, go and maven build templates on the local executor, in its sandbox, with the real
 * tools and registries (npm, the Go module proxy, Maven Central): a small project with one
 * dependency is cloned by git-clone and built and tested; the first run fills the pipeline's
 * cache under the lockfile's key, the next ones find it (log, result, metric), and a failing
 * unit test fails the task.
 */

const SANDBOX: SandboxSettings = { mode: "required", uid: 65534, gid: 65534, network: "host", hide: [] };

let t: TestDatabase;
let op: ReturnType<typeof startInProcessOperator>;
let cacheDir: string;
const repos: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase("gantry_caches");
  cacheDir = tempDir("cache");
  // mkdtemp's 0700 would keep the sandbox's uid out of its cache.
  chmodSync(cacheDir, 0o755);
  op = startInProcessOperator(t.db, { sandbox: SANDBOX, cacheDir });
});

afterAll(async () => {
  await op?.stop();
  await t?.close();
  for (const d of [cacheDir, ...repos]) if (d) rmSync(d, { recursive: true, force: true });
});

/** A git repository the sandbox's uid can clone, with these files in its first commit. */
function repository(files: Record<string, string>): { dir: string; commit: (files: Record<string, string>, message: string) => void } {
  const dir = sandboxReadableDir("gantry-cache-repo-");
  repos.push(dir);
  const git = (...a: string[]) => execFileSync("git", ["-C", dir, ...a], { env: gitEnv });
  const commit = (more: Record<string, string>, message: string) => {
    for (const [name, content] of Object.entries(more)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    git("add", "-A");
    git("commit", "-q", "-m", message);
  };
  git("init", "-q", "-b", "main");
  commit(files, "first");
  return { dir, commit };
}

/** A pipeline: git-clone of the repository into src, then the build task. */
async function buildPipeline(repo: string, build: PipelineSpecInput["stages"][number]["tasks"][number]) {
  const name = `cache-${randomBytes(4).toString("hex")}`;
  const spec = PipelineSpecSchema.parse({
    name,
    stages: [
      { name: "checkout", tasks: [{ name: "clone", template: "git-clone", params: { url: `file://${repo}`, dir: "src" } }] },
      { name: "build", tasks: [build] },
    ],
  });
  const id = (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
  return { id, name };
}

interface BuildOutcome {
  run: RunView;
  status: string;
  out: string[];
  results: Record<string, string>;
}

/** Runs the pipeline once to its end; the build task's status, output and results. */
async function runBuild(pipelineId: string, timeoutMs: number): Promise<BuildOutcome> {
  const run = await waitForRunEnd(t.db, (await createRun(t.db, pipelineId)).id, timeoutMs);
  const clone = taskOf(run, "clone");
  expect(clone.status, `the clone: ${clone.message}`).toBe("succeeded");
  const build = taskOf(run, "build");
  const out = await logText(t.db, build.id);
  return { run, status: build.status, out, results: build.results };
}

/** The line the template prints about the cache, and its key. */
function cacheLine(b: BuildOutcome, result: "hit" | "miss"): string {
  const line = b.out.find((l) => /^cache (hit|miss|: none)/.test(l));
  expect(line, `the build's log says nothing about the cache:\n${b.out.join("\n")}`).toMatch(new RegExp(`^cache ${result}: [0-9a-f]{16}$`));
  const key = line!.slice(line!.indexOf(": ") + 2);
  expect(b.results).toEqual({ cache: result, "cache-key": key });
  return key;
}

/** What gantry_task_cache_total says of this pipeline's template, once it has counted `expected`. */
async function cacheCounts(pipeline: string, template: string, expected: { hit: number; miss: number }) {
  const counts = async () => {
    const values = (await operatorMetrics().taskCache.get()).values.filter((v) => v.labels.pipeline === pipeline);
    const of = (result: string) => values.find((v) => v.labels.template === template && v.labels.result === result)?.value ?? 0;
    return { hit: of("hit"), miss: of("miss") };
  };
  await waitFor(`gantry_task_cache_total of ${pipeline} to be ${JSON.stringify(expected)}`, async () => {
    const c = await counts();
    return c.hit === expected.hit && c.miss === expected.miss;
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}; it is ${JSON.stringify(await counts())}`);
  });
}

/**
 * After a first run that missed: a commit with a failing test (same lockfile), whose run finds the
 * cache under the same key and fails the task; then the metric's counts of the pipeline.
 */
async function failingTestHits(
  p: { id: string; name: string },
  template: string,
  key: string,
  breakTest: () => void,
  failure: string,
  counts: { hit: number; miss: number },
) {
  breakTest();
  const run = await runBuild(p.id, 300_000);
  expect(run.status, failed(run)).toBe("failed");
  expect(cacheLine(run, "hit")).toBe(key);
  expect(
    run.out.some((l) => l.includes(failure)),
    failed(run),
  ).toBe(true);
  await cacheCounts(p.name, template, counts);
}

const failed = (b: BuildOutcome) => `${b.status}: ${taskOf(b.run, "build").message}\n${b.out.join("\n")}`;

describe("node-build", () => {
  const lock = {
    name: "greeter",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "greeter", version: "1.0.0", dependencies: { "is-number": "7.0.0" } },
      "node_modules/is-number": {
        version: "7.0.0",
        resolved: "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz",
        integrity: "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==",
        license: "MIT",
        engines: { node: ">=0.12.0" },
      },
    },
  };
  const pkg = {
    name: "greeter",
    version: "1.0.0",
    private: true,
    scripts: { build: "node -e \"console.log('greeter built')\"", test: "node test.js" },
    dependencies: { "is-number": "7.0.0" },
  };
  const test = (ok: boolean) =>
    `const isNumber = require("is-number");\nif (isNumber(5) !== ${ok} || isNumber("x")) { console.error("greeter test failed"); process.exit(1); }\nconsole.log("greeter tests ok");\n`;

  it("installs from the registry into the pipeline's cache, then from the cache; old keys are pruned; a failing test fails the task", async () => {
    const repo = repository({
      "package.json": JSON.stringify(pkg, null, 2),
      "package-lock.json": JSON.stringify(lock, null, 2),
      "test.js": test(true),
    });
    const p = await buildPipeline(repo.dir, { name: "build", template: "node-build", params: { dir: "src" } });
    // Four keys of earlier lockfiles, older than anything this run does: the run keeps the newest two of them.
    const cache = path.join(cacheDir, p.id);
    mkdirSync(cache, { recursive: true });
    const old = ["npm-00000000000000a1", "npm-00000000000000a2", "npm-00000000000000a3", "npm-00000000000000a4"];
    old.forEach((d, i) => {
      mkdirSync(path.join(cache, d));
      chownSync(path.join(cache, d), SANDBOX.uid, SANDBOX.gid);
      utimesSync(path.join(cache, d), 1_000_000 + i, 1_000_000 + i);
    });

    const first = await runBuild(p.id, 180_000);
    expect(first.status, failed(first)).toBe("succeeded");
    const key = cacheLine(first, "miss");
    expect(first.out).toEqual(expect.arrayContaining(["greeter built", "greeter tests ok"]));
    expect(readdirSync(path.join(cache, `npm-${key}`)), "npm's cache holds the package").toContain("_cacache");
    expect(readdirSync(cache).sort()).toEqual(["npm-00000000000000a3", "npm-00000000000000a4", `npm-${key}`]);

    const second = await runBuild(p.id, 180_000);
    expect(second.status, failed(second)).toBe("succeeded");
    expect(cacheLine(second, "hit")).toBe(key);

    await failingTestHits(p, "node-build", key, () => repo.commit({ "test.js": test(false) }, "a test that fails"), "greeter test failed", {
      hit: 2,
      miss: 1,
    });
  }, 600_000);
});

describe("go-build", () => {
  const files = (ok: boolean) => ({
    "go.mod": "module example.com/greeter\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
    "go.sum":
      "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n" +
      "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n",
    "greeter.go":
      'package greeter\n\nimport "github.com/google/uuid"\n\n// ID is a fixed request id.\nfunc ID() string { return uuid.NewSHA1(uuid.NameSpaceURL, []byte("greeter")).String() }\n',
    "greeter_test.go": `package greeter\n\nimport "testing"\n\nfunc TestID(t *testing.T) {\n\tif len(ID()) != ${ok ? 36 : 0} {\n\t\tt.Fatalf("greeter test failed: %q", ID())\n\t}\n}\n`,
  });

  it("downloads modules into the pipeline's cache, then builds from the cache; a failing test fails the task", async () => {
    const repo = repository(files(true));
    const p = await buildPipeline(repo.dir, { name: "build", template: "go-build", params: { dir: "src", testFlags: "-count=1" } });
    const first = await runBuild(p.id, 300_000);
    expect(first.status, failed(first)).toBe("succeeded");
    const key = cacheLine(first, "miss");
    expect(
      first.out.some((l) => /^ok\s+example\.com\/greeter/.test(l)),
      failed(first),
    ).toBe(true);
    const modules = path.join(cacheDir, p.id, `gomod-${key}`);
    expect(existsSync(path.join(modules, "github.com/google/uuid@v1.6.0")), "the module is in the cache").toBe(true);

    await failingTestHits(p, "go-build", key, () => repo.commit(files(false), "a test that fails"), "greeter test failed", {
      hit: 1,
      miss: 1,
    });
  }, 600_000);
});

describe("maven-build", () => {
  const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>greeter</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.source>17</maven.compiler.source>
    <maven.compiler.target>17</maven.compiler.target>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>
  </dependencies>
</project>
`;
  const test = (expected: string) =>
    `package example;\n\nimport static org.junit.Assert.assertEquals;\nimport org.junit.Test;\n\npublic class GreeterTest {\n  @Test public void greets() { assertEquals("greeter test", "${expected}", Greeter.greet()); }\n}\n`;

  it("resolves junit and the plugins into the pipeline's cache, then from the cache; a failing test fails the task", async () => {
    const repo = repository({
      "pom.xml": pom,
      "src/main/java/example/Greeter.java":
        'package example;\n\npublic class Greeter {\n  public static String greet() { return "hello"; }\n}\n',
      "src/test/java/example/GreeterTest.java": test("hello"),
    });
    const p = await buildPipeline(repo.dir, { name: "build", template: "maven-build", params: { dir: "src" } });
    const first = await runBuild(p.id, 300_000);
    expect(first.status, failed(first)).toBe("succeeded");
    const key = cacheLine(first, "miss");
    expect(
      first.out.some((l) => l.includes("Tests run: 1, Failures: 0")),
      failed(first),
    ).toBe(true);
    expect(existsSync(path.join(cacheDir, p.id, `m2-${key}`, "junit/junit/4.13.2")), "junit is in the cache").toBe(true);

    // One pair only (Maven is slow): the second run finds the cache, and its test fails.
    await failingTestHits(
      p,
      "maven-build",
      key,
      () => repo.commit({ "src/test/java/example/GreeterTest.java": test("bonjour") }, "a test that fails"),
      "Tests run: 1, Failures: 1",
      { hit: 1, miss: 1 },
    );
  }, 600_000);
});
