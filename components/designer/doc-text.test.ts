import { describe, expect, it } from "vitest";
import { apply } from "@/lib/designer/apply";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { docToYaml, yamlToDoc } from "./doc-text";
import { withSecretWidgets } from "./params-form";
import { paramProblems } from "./params-validator";

describe("YAML ↔ designer document", () => {
  it("draws a spec that has problems but a drawable shape, and refuses one it can't draw", () => {
    expect(yamlToDoc("name: p\nstages:\n  - name: Bad Name\n    tasks:\n")).toEqual({
      name: "p",
      stages: [{ name: "Bad Name", tasks: [] }],
    });
    expect(yamlToDoc("name: p\nstages: [\n")).toBeNull();
    expect(yamlToDoc("name: p\nstages:\n  - name: a\n    tasks:\n      - template: shell\n")).toBeNull();
    expect(yamlToDoc("- just a list")).toBeNull();
  });

  it("writes scripts as literal blocks and reads back the same document", () => {
    const doc = {
      name: "p",
      stages: [{ name: "a", tasks: [{ name: "t", template: "shell", params: { script: "echo one\necho two\n" } }] }],
    };
    const text = docToYaml(doc);
    expect(text).toContain("script: |");
    expect(yamlToDoc(text)).toEqual(doc);
  });

  it("keeps the pipeline's repository through YAML → designer edits → YAML", () => {
    const text =
      'name: p\nparams:\n  - name: BRANCH\nrepository:\n  url: git@github.com:acme/web.git\n  revision: "{{params.BRANCH}}"\nstages:\n  - name: a\n    tasks:\n      - name: t\n        template: shell\n';
    const doc = yamlToDoc(text)!;
    const moved = apply(apply(doc, { type: "addStage", name: "b" }), { type: "rename", description: "web" });
    const back = docToYaml(moved);
    expect(yamlToDoc(back)!.repository).toEqual({ url: "git@github.com:acme/web.git", revision: "{{params.BRANCH}}" });
    expect(back.indexOf("repository:")).toBeLessThan(back.indexOf("stages:"));
    // The new stage is still empty (a problem of its own); the repository has none.
    expect(PipelineSpecSchema.safeParse(yamlToDoc(back)).error?.issues.map((i) => i.path.join("."))).toEqual(["stages.1.tasks"]);
  });
});

describe("generated params form", () => {
  it("picks a secret param from the project's secrets over the uiSchema's widget; nested and password-format ones get a password input", () => {
    const ui = withSecretWidgets(
      {
        type: "object",
        properties: {
          token: { type: "string", secret: true },
          pass: { type: "string", format: "password" },
          plain: { type: "string" },
          auth: { type: "object", properties: { key: { type: "string", secret: true } } },
        },
      },
      { plain: { "ui:widget": "textarea" }, token: { "ui:widget": "password" } },
    ) as Record<string, Record<string, unknown>>;
    expect(ui.token["ui:widget"]).toBe("secretRef");
    expect(ui.pass["ui:widget"]).toBe("password");
    expect(ui.plain["ui:widget"]).toBe("textarea");
    expect((ui.auth.key as Record<string, unknown>)["ui:widget"]).toBe("password");
  });

  it("reports params errors the way the node badge shows them", () => {
    const schema = {
      type: "object",
      required: ["script"],
      properties: { script: { type: "string", minLength: 1 }, shell: { enum: ["bash", "sh"] } },
    };
    expect(paramProblems(schema, { script: "x" })).toEqual([]);
    const problems = paramProblems(schema, { shell: "zsh" });
    expect(problems.map((p) => p.path).sort()).toEqual(["script", "shell"]);
  });
});
