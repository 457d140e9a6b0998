import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { checkSpecAgainstCatalog } from "@/server/pipelines/validate";
import { createPipeline } from "@/server/pipelines/pipelines";
import { projects } from "@/server/db/schema";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { validateSpec } from "@/lib/parse-spec";
import type { AppError } from "@/lib/errors";
import { createTestDatabase, type TestDatabase } from "./executor-helpers";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("gantry_validate");
});
afterAll(async () => t?.close());

/** A pipeline of a cluster-only template: the integration test's database is a sidecar container. */
const clusterOnlyPipeline = () => {
  const r = validateSpec({
    name: "itest",
    stages: [{ name: "test", tasks: [{ name: "itest", template: "integration-test", params: { database: "postgres", script: "true" } }] }],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};

describe("cluster-only templates and the configured executor", () => {
  it("refuses a cluster-only template on the local executor, saying why and where", async () => {
    const e = (await checkSpecAgainstCatalog(t.db, clusterOnlyPipeline(), { executor: "local" }).catch((x) => x)) as AppError;
    expect(e.details?.errors?.[0]).toMatchObject({
      path: "stages[0].tasks[0].template",
      message: expect.stringMatching(/cannot run on the local executor/),
    });
  });

  it("accepts the same pipeline when tasks run on Kubernetes", async () => {
    const found = await checkSpecAgainstCatalog(t.db, clusterOnlyPipeline(), { executor: "kubernetes" });
    expect(found.get("integration-test")?.local.supported).toBe(false);
  });
});

describe("the project's executor decides", () => {
  it("saves a cluster-only template in a project that builds on Kubernetes, and refuses it where tasks run locally", async () => {
    const id = randomUUID();
    await t.db.insert(projects).values({ id, slug: `k-${id.slice(0, 6)}`, name: "on the cluster", settings: { executor: "kubernetes" } });
    const saved = await createPipeline(t.db, { spec: clusterOnlyPipeline(), projectId: id });
    expect(saved.version).toBe(1);
    // The default project follows GANTRY_EXECUTOR, local in this process.
    const e = (await createPipeline(t.db, { spec: clusterOnlyPipeline(), projectId: DEFAULT_PROJECT_ID }).catch((x) => x)) as AppError;
    expect(e.details?.errors?.[0]).toMatchObject({
      path: "stages[0].tasks[0].template",
      message: expect.stringMatching(/cannot run on the local executor/),
    });
  });
});

describe("a task's kubernetes block and the executor", () => {
  it("refuses envFrom and a raw JobSpec where tasks run locally, at their fields, and accepts them on Kubernetes", async () => {
    const r = validateSpec({
      name: "raw",
      stages: [
        {
          name: "s",
          tasks: [
            {
              name: "cfg",
              template: "shell",
              params: { script: "env" },
              kubernetes: { envFrom: [{ configMap: "app" }], resources: { requests: { cpu: "1" } } },
            },
            {
              name: "raw",
              template: "shell",
              params: { script: "true" },
              kubernetes: { jobSpec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } } },
            },
          ],
        },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const e = (await checkSpecAgainstCatalog(t.db, r.spec, { executor: "local" }).catch((x) => x)) as AppError;
    expect(e.details?.errors).toEqual([
      { path: "stages[0].tasks[0].kubernetes.envFrom", message: expect.stringMatching(/needs the Kubernetes executor/) },
      { path: "stages[0].tasks[1].kubernetes.jobSpec", message: expect.stringMatching(/needs the Kubernetes executor/) },
    ]);
    await expect(checkSpecAgainstCatalog(t.db, r.spec, { executor: "kubernetes" })).resolves.toBeDefined();
  });
});
