import { describe, expect, it } from "vitest";
import { checkRef, type RefScope } from "@/lib/expressions/references";
import { applyCompletion, completionAt, filterSuggestions, referenceSuggestions, type SuggestionSource } from "./completions";
import type { PipelineDoc } from "./types";

const doc: PipelineDoc = {
  name: "ship",
  params: [
    { name: "ENV", default: "staging" },
    { name: "PW", secret: true },
  ],
  stages: [
    {
      name: "build",
      tasks: [
        { name: "image", template: "kaniko", params: {} },
        { name: "sbom", template: "shell", results: [{ name: "path", description: "where the SBOM is" }] },
      ],
    },
    {
      name: "checks",
      mode: "parallel",
      tasks: [
        { name: "lint", template: "shell", results: [{ name: "report" }] },
        { name: "unit", template: "shell" },
      ],
    },
    {
      name: "deploy",
      tasks: [
        { name: "rollout", template: "shell" },
        { name: "smoke", template: "shell" },
      ],
    },
  ],
};

const src: SuggestionSource = {
  templateResults: (t) => (t === "kaniko" ? [{ name: "digest", description: "the pushed image's digest" }, { name: "image" }] : []),
  secretNames: ["SONAR_TOKEN", "REGISTRY"],
};

const refs = (at: { stage: number; index: number }, secret = false) => referenceSuggestions(doc, at, src, secret).map((s) => s.ref);

describe("referenceSuggestions", () => {
  it("offers the run's values and non-secret params in an ordinary field", () => {
    const got = refs({ stage: 0, index: 0 });
    expect(got).toEqual([
      "params.ENV",
      "git.sha",
      "git.shortSha",
      "git.branch",
      "git.tag",
      "git.ref",
      "git.url",
      "event.type",
      "event.issueKeys",
      "event.mr.iid",
      "event.image",
      "event.fork",
      "run.id",
      "run.number",
      "pipeline.name",
      "project.slug",
    ]);
  });

  it("offers results and status of tasks in earlier stages and earlier in a sequential stage, template results first", () => {
    const got = refs({ stage: 2, index: 1 }).filter((r) => r.startsWith("tasks."));
    expect(got).toEqual([
      "tasks.image.results.digest",
      "tasks.image.results.image",
      "tasks.image.status",
      "tasks.sbom.results.path",
      "tasks.sbom.status",
      "tasks.lint.results.report",
      "tasks.lint.status",
      "tasks.unit.status",
      "tasks.rollout.status",
    ]);
    expect(referenceSuggestions(doc, { stage: 0, index: 1 }, src, false).find((s) => s.ref === "tasks.image.results.digest")?.detail).toBe(
      "the pushed image's digest",
    );
  });

  it("offers no task of the same parallel stage, nor a later one of a sequential stage", () => {
    expect(refs({ stage: 1, index: 1 }).filter((r) => r.startsWith("tasks.lint"))).toEqual([]);
    expect(refs({ stage: 0, index: 0 }).filter((r) => r.startsWith("tasks."))).toEqual([]);
    expect(refs({ stage: 2, index: 0 })).not.toContain("tasks.smoke.status");
  });

  it("offers only project secrets and secret params in a secret field", () => {
    expect(refs({ stage: 2, index: 0 }, true)).toEqual(["secrets.SONAR_TOKEN", "secrets.REGISTRY", "params.PW"]);
    expect(refs({ stage: 2, index: 0 })).not.toContain("params.PW");
    expect(referenceSuggestions(doc, { stage: 0, index: 0 }, { ...src, secretNames: null }, true).map((s) => s.ref)).toEqual(["params.PW"]);
  });

  it("offers nothing the save-time check would refuse at that field", () => {
    const scope = (secretField: boolean): RefScope => ({
      params: new Map([
        ["ENV", { secret: false }],
        ["PW", { secret: true }],
      ]),
      tasks: new Map([
        ["image", ["digest", "image"]],
        ["sbom", ["path"]],
        ["lint", ["report"]],
        ["unit", []],
        ["rollout", []],
      ]),
      secretField,
      projectSecrets: new Set(src.secretNames),
      inFinally: false,
      runPhaseOnly: false,
    });
    for (const secret of [false, true])
      for (const r of refs({ stage: 2, index: 1 }, secret)) expect(checkRef(r.split("."), scope(secret)), r).toMatchObject({ ok: true });
  });
});

describe("completionAt and applyCompletion", () => {
  it("finds the reference being typed after an open {{", () => {
    expect(completionAt("echo {{", 7)).toEqual({ from: 5, to: 7, query: "" });
    expect(completionAt("echo {{ tasks.bu", 16)).toEqual({ from: 5, to: 16, query: "tasks.bu" });
    expect(completionAt("echo {{ git.sha }} done", 23)).toBeNull();
    expect(completionAt('{{ "{{" }} x', 4)).toBeNull();
    expect(completionAt("a { b", 3)).toBeNull();
  });

  it("inserts a whole reference with its closing braces, once", () => {
    const text = "echo {{ tasks.bu";
    const spot = completionAt(text, text.length);
    expect(spot && applyCompletion(text, spot, "tasks.build.results.digest")).toEqual({
      text: "echo {{ tasks.build.results.digest }}",
      caret: 37,
    });
    const inside = "a {{ git.sh }} b";
    const at = completionAt(inside, 11);
    expect(at && applyCompletion(inside, at, "git.sha").text).toBe("a {{ git.sha }} b");
  });

  it("lists what starts with the typed text before what only contains it", () => {
    const list = [
      { ref: "git.shortSha", detail: "" },
      { ref: "tasks.x.status", detail: "" },
      { ref: "git.sha", detail: "" },
    ];
    expect(filterSuggestions(list, "SHA").map((s) => s.ref)).toEqual(["git.shortSha", "git.sha"]);
    expect(filterSuggestions(list, "git.s").map((s) => s.ref)).toEqual(["git.shortSha", "git.sha"]);
    expect(filterSuggestions(list, "").length).toBe(3);
  });
});
