import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { docToYaml, yamlToDoc } from "./doc-text";
import { apply, type Operation } from "@/lib/designer/apply";
import { referenceSuggestions } from "@/lib/designer/completions";
import { historyReducer, initHistory } from "@/lib/designer/history";
import { neighbour } from "@/lib/designer/navigate";
import { otherSpecIssues, problemsByNode } from "@/lib/designer/problems";
import { referenceIssues } from "@/lib/designer/reference-problems";
import type { PipelineDoc } from "@/lib/designer/types";

const YAML = `name: demo
stages:
  - name: build
    tasks:
      - name: test
        template: shell
        matrix:
          NODE: [18, 20]
          OS: [linux]
        failFast: false
        params: { script: 'echo "node {{ matrix.NODE }} on $OS"' }
  - name: ship
    tasks:
      - name: deploy
        template: shell
        params: { script: 'echo {{ tasks.test.status }}' }
finally:
  - name: notify
    template: shell
    when: run.status == "failed"
    params: { script: 'echo "run {{ run.status }}, tests {{ tasks.test.status }}"' }
`;

const load = (): PipelineDoc => {
  const d = yamlToDoc(YAML);
  if (!d) throw new Error("the example YAML does not load");
  return d;
};
const run = (doc: PipelineDoc, ...ops: Operation[]) => ops.reduce(apply, doc);
const noTemplates = () => [];
const shell = () => ({ secretParams: new Set<string>(), results: [] });

describe("designer round trip of finally and matrix", () => {
  it("loads a pipeline with finally and matrix without false problems", () => {
    const doc = load();
    expect(problemsByNode(doc, noTemplates, otherSpecIssues(doc))).toEqual({});
    expect(referenceIssues(doc, shell, new Set())).toEqual([]);
  });

  it("keeps finally and matrix in the YAML when other things are edited", () => {
    const doc = run(
      load(),
      { type: "updateTask", task: { stage: 1, index: 0 }, patch: { env: { A: "1" } } },
      { type: "addTask", stage: 0, task: { name: "lint", template: "shell" } },
      { type: "setStageMode", stage: 0, mode: "parallel" },
      { type: "rename", name: "demo-2" },
    );
    const out = parse(docToYaml(doc)) as Record<string, unknown>;
    const before = parse(YAML) as Record<string, unknown>;
    expect(out.finally).toEqual(before.finally);
    expect((out.stages as { tasks: unknown[] }[])[0].tasks[0]).toEqual((before.stages as { tasks: unknown[] }[])[0].tasks[0]);
  });

  it("edits, duplicates, moves and deletes finally tasks like stage tasks", () => {
    let doc = apply(load(), { type: "addTask", stage: "finally", task: { name: "notify", template: "shell" } });
    expect(doc.finally?.map((t) => t.name)).toEqual(["notify", "notify-2"]);
    doc = apply(doc, { type: "updateTask", task: { stage: "finally", index: 1 }, patch: { when: 'run.status == "succeeded"' } });
    expect(doc.finally?.[1].when).toBe('run.status == "succeeded"');
    doc = apply(doc, { type: "duplicateTask", task: { stage: "finally", index: 0 } });
    expect(doc.finally?.map((t) => t.name)).toEqual(["notify", "notify-3", "notify-2"]);
    doc = apply(doc, { type: "moveTask", from: { stage: "finally", index: 2 }, to: { stage: 1, index: 0 } });
    expect(doc.stages[1].tasks.map((t) => t.name)).toEqual(["notify-2", "deploy"]);
    doc = run(
      doc,
      { type: "deleteTask", task: { stage: "finally", index: 0 } },
      { type: "deleteTask", task: { stage: "finally", index: 0 } },
    );
    expect(doc, "an emptied finally list leaves the YAML").not.toHaveProperty("finally");
  });

  it("names a new task apart from the finally tasks", () => {
    const doc = apply(load(), { type: "addTask", stage: 0, task: { name: "notify", template: "shell" } });
    expect(doc.stages[0].tasks[1].name).toBe("notify-2");
  });

  it("marks a finally task's problems on its node", () => {
    const doc = apply(load(), { type: "updateTask", task: { stage: "finally", index: 0 }, patch: { name: "Bad Name" } });
    const byNode = problemsByNode(doc, noTemplates, otherSpecIssues(doc));
    expect(Object.keys(byNode)).toEqual(["finally/0"]);
  });
});

describe("setMatrix", () => {
  it("sets axes after the task's template, keeping untouched values as the YAML wrote them", () => {
    const doc = apply(load(), {
      type: "setMatrix",
      task: { stage: 1, index: 0 },
      matrix: { REGION: ["eu", "us"] },
    });
    expect(Object.keys(doc.stages[1].tasks[0])).toEqual(["name", "template", "matrix", "params"]);
    expect(doc.stages[1].tasks[0].matrix).toEqual({ REGION: ["eu", "us"] });
  });

  it("writes failFast only when it is not the default, or the YAML already says it", () => {
    const base = apply(load(), { type: "setMatrix", task: { stage: 1, index: 0 }, matrix: { A: ["1"] } });
    expect(apply(base, { type: "setMatrix", task: { stage: 1, index: 0 }, failFast: true }).stages[1].tasks[0]).not.toHaveProperty(
      "failFast",
    );
    const off = apply(base, { type: "setMatrix", task: { stage: 1, index: 0 }, failFast: false });
    expect(Object.keys(off.stages[1].tasks[0])).toEqual(["name", "template", "matrix", "failFast", "params"]);
    expect(apply(off, { type: "setMatrix", task: { stage: 1, index: 0 }, failFast: true }).stages[1].tasks[0].failFast).toBe(true);
  });

  it("removes failFast with the last axis", () => {
    const doc = apply(load(), { type: "setMatrix", task: { stage: 0, index: 0 }, matrix: {} });
    expect(doc.stages[0].tasks[0]).not.toHaveProperty("matrix");
    expect(doc.stages[0].tasks[0]).not.toHaveProperty("failFast");
  });

  it("works on a finally task, and undoes and redoes as one step", () => {
    let h = initHistory(load());
    h = historyReducer(h, { type: "apply", op: { type: "setMatrix", task: { stage: "finally", index: 0 }, matrix: { TO: ["a", "b"] } } });
    expect(h.present.finally?.[0].matrix).toEqual({ TO: ["a", "b"] });
    h = historyReducer(h, { type: "undo" });
    expect(h.present.finally?.[0]).not.toHaveProperty("matrix");
    h = historyReducer(h, { type: "redo" });
    expect(docToYaml(h.present)).toContain("matrix:\n      TO:\n        - a\n        - b");
  });

  it("round-trips through the YAML pane", () => {
    const doc = apply(load(), {
      type: "setMatrix",
      task: { stage: 0, index: 0 },
      matrix: { NODE: [18, 20], OS: ["linux", "mac"] },
      failFast: true,
    });
    expect(yamlToDoc(docToYaml(doc))).toEqual(doc);
  });
});

describe("designer helpers with finally and matrix", () => {
  const src = { templateResults: () => [{ name: "digest" }], secretNames: [] };

  it("offers run.status and every stage task in a finally task, matrix axes in a matrix task", () => {
    const doc = load();
    const fin = referenceSuggestions(doc, { stage: "finally", index: 0 }, src, false).map((s) => s.ref);
    expect(fin).toContain("run.status");
    expect(fin).toContain("tasks.deploy.status");
    expect(fin).toContain("tasks.deploy.results.digest");
    expect(fin, "a matrix task's results are ambiguous").not.toContain("tasks.test.results.digest");
    const inMatrix = referenceSuggestions(doc, { stage: 0, index: 0 }, src, false).map((s) => s.ref);
    expect(inMatrix).toEqual(expect.arrayContaining(["matrix.NODE", "matrix.OS"]));
    expect(inMatrix).not.toContain("run.status");
  });

  it("walks right from the last stage onto the finally tasks and back", () => {
    const doc = load();
    expect(neighbour(doc, { kind: "task", stage: 1, index: 0 }, "right")).toEqual({ kind: "task", stage: "finally", index: 0 });
    expect(neighbour(doc, { kind: "task", stage: "finally", index: 0 }, "left")).toEqual({ kind: "task", stage: 1, index: 0 });
    expect(neighbour(doc, { kind: "task", stage: "finally", index: 0 }, "up")).toBeNull();
  });
});
