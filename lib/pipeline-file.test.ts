import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeFileErrors, parsePipelineFile, sameSpec, withFileLines } from "./pipeline-file";
import { PipelineSpecSchema } from "./pipeline-spec";

const shell = PipelineSpecSchema.parse({
  name: "web",
  repository: { url: "https://git.example.test/team/web.git" },
  triggers: [{ provider: "gitea", secret: "HOOK" }],
  source: { from: "repository" },
  stages: [],
});

const FILE = `# the team's pipeline
params:
  - name: TARGET
    default: staging
stages:
  - name: build
    tasks:
      - name: compile   # keeps its comment
        template: shell
        params: { script: make }
`;

describe("pipeline file (pipeline as code)", () => {
  it("defaults source.path to .gantry.yaml and needs a repository", () => {
    expect(shell.source).toEqual({ from: "repository", path: ".gantry.yaml" });
    const r = PipelineSpecSchema.safeParse({ name: "x", source: { from: "repository" }, stages: [] });
    expect(r.success || r.error.issues.map((i) => i.message)).toEqual([expect.stringMatching(/needs `repository`/)]);
    const bad = PipelineSpecSchema.safeParse({ ...shell, source: { from: "repository", path: "../etc/passwd" } });
    expect(bad.success).toBe(false);
  });

  it("still needs a stage in a pipeline kept in Gantry", () => {
    const r = PipelineSpecSchema.safeParse({ name: "x", stages: [] });
    expect(r.success || r.error.issues).toEqual([
      expect.objectContaining({ path: ["stages"], message: "a pipeline needs at least one stage" }),
    ]);
  });

  it("takes the stages from the file and the name, repository, triggers and source from Gantry", () => {
    const r = parsePipelineFile(`name: other\nrepository: { url: "https://evil.example.test/x" }\n${FILE}`, shell);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.name).toBe("web");
    expect(r.spec.repository?.url).toBe("https://git.example.test/team/web.git");
    expect(r.spec.triggers).toEqual(shell.triggers);
    expect(r.spec.source).toEqual(shell.source);
    expect(r.spec.stages[0].tasks[0].params).toEqual({ script: "make" });
    // The saved text is the file with Gantry's keys set: comments survive, and it parses back to the same spec.
    expect(r.source).toContain("# keeps its comment");
    expect(PipelineSpecSchema.parse(parse(r.source))).toEqual(r.spec);
  });

  it("gives each problem the line of the file it is on", () => {
    const r = parsePipelineFile(
      FILE.replace("template: shell", "template: shell\n        retries: many").replace("name: build", "name: Build"),
      shell,
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "stages[0].name", line: 6 }),
        expect.objectContaining({ path: "stages[0].tasks[0].retries", line: 10 }),
      ]),
    );
  });

  it("points an unknown field at its own line, a syntax error at its line, and refuses a file without stages", () => {
    const unknown = parsePipelineFile(FILE.replace("params:\n  - name", "paramz: 1\nparams:\n  - name"), shell);
    expect(!unknown.ok && unknown.errors[0]).toMatchObject({ message: "unknown field 'paramz'", line: 2 });
    const syntax = parsePipelineFile("stages:\n  - name: a\n   bad: [\n", shell);
    expect(!syntax.ok && syntax.errors[0].line).toBeGreaterThanOrEqual(2);
    const empty = parsePipelineFile("params: []\n", shell);
    expect(!empty.ok && empty.errors).toEqual([{ path: "stages", message: "required", line: 1 }]);
    const none = parsePipelineFile("stages: []\n", shell);
    expect(!none.ok && none.errors).toEqual([{ path: "stages", message: "the pipeline file needs at least one stage", line: 1 }]);
    const list = parsePipelineFile("- a\n", shell);
    expect(!list.ok && list.errors[0].message).toMatch(/must be a mapping/);
  });

  it("maps errors found after parsing (unknown template) to the file's lines", () => {
    const errors = withFileLines(FILE, [{ path: "stages[0].tasks[0].template", message: "unknown template 'shell'" }]);
    expect(errors).toEqual([{ path: "stages[0].tasks[0].template", message: "unknown template 'shell'", line: 9 }]);
    expect(describeFileErrors(".gantry.yaml", errors)).toBe(".gantry.yaml line 9: stages[0].tasks[0].template: unknown template 'shell'");
  });

  it("tells a changed file from one that only moved keys or comments around", () => {
    const a = parsePipelineFile(FILE, shell);
    const reordered = parsePipelineFile(
      `stages:\n  - tasks:\n      - params: { script: make }\n        template: shell\n        name: compile\n    name: build\nparams:\n  - default: staging\n    name: TARGET\n`,
      shell,
    );
    const changed = parsePipelineFile(FILE.replace("script: make", "script: make test"), shell);
    expect(a.ok && reordered.ok && changed.ok).toBe(true);
    if (!a.ok || !reordered.ok || !changed.ok) return;
    expect(sameSpec(a.spec, reordered.spec)).toBe(true);
    // The database's JSON column hands keys back in its own order.
    expect(sameSpec(a.spec, JSON.parse(JSON.stringify(reordered.spec)))).toBe(true);
    expect(sameSpec(a.spec, changed.spec)).toBe(false);
  });
});
