import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelines, taskRuns } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { kubernetesTaskDetails } from "@/server/runs/kubernetes-task-details";
import { getTemplate } from "@/server/templates/catalog";
import { createTestDatabase, createTestPipeline, sh, type TestDatabase } from "./executor-helpers";

/** What the Kubernetes executor reads about a task run before its BuildJob (one query, against MariaDB). */

let t: TestDatabase;
beforeAll(async () => {
  // Secret params are sealed when a run is created in this process.
  process.env.GANTRY_SECRET_KEY ??= randomBytes(32).toString("base64");
  t = await createTestDatabase("gantry_kdetails");
});
afterAll(async () => {
  await t?.close();
});

async function planOf(runId: string) {
  const [tr] = await t.db.select({ plan: taskRuns.plan }).from(taskRuns).where(eq(taskRuns.runId, runId)).limit(1);
  return { name: tr.plan.template, version: tr.plan.templateVersion };
}

describe("kubernetesTaskDetails", () => {
  it("gives the pipeline's name, the run's secret param names, whether it has one task, and the template's Kubernetes part", async () => {
    const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("only", "true")] }], [{ name: "TOKEN", secret: true }]);
    const [p] = await t.db.select({ name: pipelines.name }).from(pipelines).where(eq(pipelines.id, pipelineId));
    const { id } = await createRun(t.db, pipelineId, { params: { TOKEN: "s3cret" } });
    const template = await planOf(id);
    const tpl = await getTemplate(t.db, template.name);

    const d = await kubernetesTaskDetails(t.db, id, template, "ops");
    expect(d).toEqual({
      pipeline: p.name,
      singleTaskRun: true,
      secretParams: ["TOKEN"],
      template: {
        sidecars: tpl.sidecars,
        cachePath: tpl.cachePath,
        resources: tpl.resources,
        needsClusterAccess: tpl.needsClusterAccess,
      },
      // The default project builds in the operator's own namespace, placed nowhere in particular.
      namespace: "ops",
      project: { scheduling: undefined },
    });
    // The second time the template part comes from the cache: the same answer.
    expect(await kubernetesTaskDetails(t.db, id, template, "ops")).toEqual(d);
  });

  it("says a run with two tasks is not a single-task run", async () => {
    const pipelineId = await createTestPipeline(t.db, [
      { name: "s", tasks: [sh("a", "true")] },
      { name: "t", tasks: [sh("b", "true")] },
    ]);
    const { id } = await createRun(t.db, pipelineId);
    const d = await kubernetesTaskDetails(t.db, id, await planOf(id), "ops");
    expect(d.singleTaskRun).toBe(false);
    expect(d.namespace).toBe("ops");
    expect(d.secretParams).toEqual([]);
  });

  it("leaves the template part out when the template version is unknown, and refuses an unknown run", async () => {
    const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("a", "true")] }]);
    const { id } = await createRun(t.db, pipelineId);
    const d = await kubernetesTaskDetails(t.db, id, { name: "no-such-template", version: 1 }, "ops");
    expect(d.template).toBeUndefined();
    await expect(kubernetesTaskDetails(t.db, "00000000-0000-4000-8000-000000000000", { name: "shell", version: 1 }, "ops")).rejects.toThrow(
      /not found/,
    );
  });
});
