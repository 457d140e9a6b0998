import { describe, expect, it } from "vitest";
import { PipelineSpecSchema } from "./pipeline-spec";
import { apply } from "./designer/apply";
import { docToYaml, yamlToDoc } from "@/components/designer/doc-text";

const base = { name: "web", stages: [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "true" } }] }] };

describe("pipeline concurrency settings", () => {
  it("are optional, and taken as given", () => {
    expect(PipelineSpecSchema.parse(base).concurrency).toBeUndefined();
    expect(PipelineSpecSchema.parse({ ...base, concurrency: { max: 2, sameRef: "cancel-previous" } }).concurrency).toEqual({
      max: 2,
      sameRef: "cancel-previous",
    });
    expect(PipelineSpecSchema.parse({ ...base, concurrency: { sameRef: "queue" } }).concurrency).toEqual({ sameRef: "queue" });
  });

  it("reject nonsense with the field's path", () => {
    const r = PipelineSpecSchema.safeParse({ ...base, concurrency: { max: 0, sameRef: "later", extra: 1 } });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["concurrency.max", "concurrency.sameRef", "concurrency"]));
  });

  it("survive the designer: YAML round trip and canvas edits keep them", () => {
    const doc = { ...base, concurrency: { max: 3, sameRef: "queue" as const } };
    const yaml = docToYaml(doc);
    expect(yaml).toContain("concurrency:\n  max: 3\n  sameRef: queue");
    const back = yamlToDoc(yaml)!;
    const edited = apply(back, { type: "setStageMode", stage: 0, mode: "parallel" });
    expect(edited.concurrency).toEqual({ max: 3, sameRef: "queue" });
    expect(PipelineSpecSchema.parse(edited).concurrency).toEqual({ max: 3, sameRef: "queue" });
  });
});
