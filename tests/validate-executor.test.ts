import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSpecAgainstCatalog } from "@/server/pipelines/validate";
import { validateSpec } from "@/lib/parse-spec";
import type { AppError } from "@/lib/errors";
import { createTestDatabase, type TestDatabase } from "./executor-helpers";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("gantry_validate");
});
afterAll(async () => t?.close());

const kanikoPipeline = () => {
  const r = validateSpec({
    name: "image",
    stages: [{ name: "build", tasks: [{ name: "image", template: "kaniko-build", params: { image: "registry.local/app:1" } }] }],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};

describe("cluster-only templates and the configured executor", () => {
  it("refuses a cluster-only template on the local executor, saying why and where", async () => {
    const e = (await checkSpecAgainstCatalog(t.db, kanikoPipeline(), { executor: "local" }).catch((x) => x)) as AppError;
    expect(e.details?.errors?.[0]).toMatchObject({ path: "stages[0].tasks[0].template", message: expect.stringMatching(/cannot run on the local executor/) });
  });

  it("accepts the same pipeline when tasks run on Kubernetes", async () => {
    const found = await checkSpecAgainstCatalog(t.db, kanikoPipeline(), { executor: "kubernetes" });
    expect(found.get("kaniko-build")?.local.supported).toBe(false);
  });
});
