import { describe, expect, it } from "vitest";
import { PipelineSpecSchema } from "./pipeline-spec";
import { apply } from "./designer/apply";
import { docToYaml, yamlToDoc } from "@/components/designer/doc-text";

const base = { name: "web", stages: [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "true" } }] }] };

describe("pipeline retention settings", () => {
  it("are optional, and taken as given", () => {
    expect(PipelineSpecSchema.parse(base).retention).toBeUndefined();
    expect(PipelineSpecSchema.parse({ ...base, retention: { keep: 50 } }).retention).toEqual({ keep: 50 });
    expect(PipelineSpecSchema.parse({ ...base, retention: { keep: 5, days: 90 } }).retention).toEqual({ keep: 5, days: 90 });
    expect(PipelineSpecSchema.parse({ ...base, retention: { days: 0 } }).retention).toEqual({ days: 0 });
  });

  it("reject nonsense with the field's path and what is wrong", () => {
    const issues = (retention: unknown) =>
      PipelineSpecSchema.safeParse({ ...base, retention }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ keep: 0 })).toEqual(["retention.keep: must be at least 1 (leave `keep` out to keep any number)"]);
    expect(issues({ keep: 2.5 })).toEqual(["retention.keep: must be a whole number of runs"]);
    expect(issues({ keep: "50" })).toEqual(["retention.keep: must be a whole number of runs"]);
    expect(issues({ days: -1 })).toEqual(["retention.days: must be 0 (never by age) or more"]);
    expect(issues({})).toEqual(["retention: say `keep` (runs), `days`, or both"]);
    expect(issues({ keep: 3, runs: 3 })).toEqual([expect.stringMatching(/^retention: .*runs/)]);
  });

  it("survive the designer: YAML round trip and canvas edits keep them", () => {
    const doc = { ...base, retention: { keep: 20, days: 30 } };
    const yaml = docToYaml(doc);
    expect(yaml).toContain("retention:\n  keep: 20\n  days: 30");
    const back = yamlToDoc(yaml)!;
    const edited = apply(back, { type: "setStageMode", stage: 0, mode: "parallel" });
    expect(edited.retention).toEqual({ keep: 20, days: 30 });
    expect(PipelineSpecSchema.parse(edited).retention).toEqual({ keep: 20, days: 30 });
  });
});
