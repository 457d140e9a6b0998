import { describe, expect, it } from "vitest";
import { PipelineSpecSchema } from "./pipeline-spec";
import { CreateRunBodySchema } from "./api-schemas";
import { apply } from "./designer/apply";
import { docToYaml, yamlToDoc } from "@/components/designer/doc-text";

const base = { name: "web", stages: [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "true" } }] }] };
const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

describe("a pipeline's run priority", () => {
  it("is optional (runs then get 0) and taken as given from -100 to 100", () => {
    expect(PipelineSpecSchema.parse(base).priority).toBeUndefined();
    expect(PipelineSpecSchema.parse({ ...base, priority: 100 }).priority).toBe(100);
    expect(PipelineSpecSchema.parse({ ...base, priority: -100 }).priority).toBe(-100);
  });

  it("refuses values out of range, fractions and words, at its field", () => {
    expect(messages(PipelineSpecSchema.safeParse({ ...base, priority: 101 }))).toEqual(["priority: must be at most 100"]);
    expect(messages(PipelineSpecSchema.safeParse({ ...base, priority: -101 }))).toEqual(["priority: must be at least -100"]);
    expect(messages(PipelineSpecSchema.safeParse({ ...base, priority: 1.5 }))).toEqual([
      "priority: must be a whole number from -100 to 100",
    ]);
    expect(messages(PipelineSpecSchema.safeParse({ ...base, priority: "high" }))).toEqual([
      "priority: must be a whole number from -100 to 100",
    ]);
  });

  it("may be overridden when a run is started, within the same range", () => {
    expect(CreateRunBodySchema.parse({ priority: 50 }).priority).toBe(50);
    expect(messages(CreateRunBodySchema.safeParse({ priority: 500 }))).toEqual(["priority: must be at most 100"]);
  });

  it("survives the designer: YAML round trip and canvas edits keep it", () => {
    const yaml = docToYaml({ ...base, priority: 20 });
    expect(yaml).toContain("priority: 20");
    const edited = apply(yamlToDoc(yaml)!, { type: "setStageMode", stage: 0, mode: "parallel" });
    expect(PipelineSpecSchema.parse(edited).priority).toBe(20);
  });
});
