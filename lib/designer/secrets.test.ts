import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseSpecText } from "../parse-spec";
import { apply } from "./apply";
import type { PipelineDoc } from "./types";

/** A task's `secrets` (project secret names) survives every designer edit and the YAML round trip. */
describe("task secrets in the designer", () => {
  const doc = (): PipelineDoc => ({
    name: "deploy",
    stages: [{ name: "ship", tasks: [{ name: "push", template: "shell", params: { script: "push" }, secrets: ["REGISTRY_TOKEN"] }] }],
  });

  it("keeps the field through edits, moves and duplication", () => {
    let d = apply(doc(), { type: "updateTask", task: { stage: 0, index: 0 }, patch: { params: { script: "push --all" }, retries: 2 } });
    d = apply(d, { type: "updateTask", task: { stage: 0, index: 0 }, patch: { name: "push-image" } });
    d = apply(d, { type: "rename", stage: 0, name: "release" });
    d = apply(d, { type: "duplicateTask", task: { stage: 0, index: 0 } });
    for (const t of d.stages[0].tasks) expect(t.secrets).toEqual(["REGISTRY_TOKEN"]);
    const r = parseSpecText(stringify(d));
    expect(r.ok && r.spec.stages[0].tasks.map((t) => t.secrets)).toEqual([["REGISTRY_TOKEN"], ["REGISTRY_TOKEN"]]);
  });
});
