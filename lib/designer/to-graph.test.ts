import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { apply, type Operation } from "./apply";
import { laneAt, slotAt, toGraph, type DesignerNode, type TaskNodeData } from "./to-graph";
import type { PipelineDoc, TaskDoc } from "./types";

const root = process.cwd();
const demo = parse(readFileSync(path.join(root, "server/seed/demo-pipeline.yaml"), "utf8")) as PipelineDoc;

/**
 * Rebuilds a pipeline from its graph alone, as the designer's user would: a lane per stage node
 * (left to right), its mode, then each task node dropped in top to bottom.
 */
function rebuildFromGraph(source: PipelineDoc): PipelineDoc {
  const { nodes } = toGraph(source);
  const byName = new Map(source.stages.flatMap((s) => s.tasks.map((t) => [t.name, t] as [string, TaskDoc])));
  const lanes = nodes.filter((n) => n.type === "stage").sort((a, b) => a.position.x - b.position.x);
  const ops: Operation[] = [];
  lanes.forEach((lane, i) => {
    const d = lane.data as { name: string; mode: "sequential" | "parallel" };
    ops.push({ type: "addStage", name: d.name });
    const given = source.stages[i].mode;
    if (given) ops.push({ type: "setStageMode", stage: i, mode: given });
    expect(d.mode).toBe(given ?? "sequential");
    nodes
      .filter((n) => n.type === "task" && n.parentId === lane.id)
      .sort((a, b) => a.position.y - b.position.y)
      .forEach((n) => ops.push({ type: "addTask", stage: i, task: byName.get((n.data as TaskNodeData).name)! }));
  });
  let doc: PipelineDoc = { name: source.name, stages: [] };
  if (source.description) doc.description = source.description;
  if (source.params) doc.params = source.params;
  for (const op of ops) doc = apply(doc, op);
  return doc;
}

/** Each built-in template's example task, in a one-stage pipeline (when templates carry one). */
function templateExamples(): { file: string; doc: PipelineDoc }[] {
  const dir = path.join(root, "templates");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => {
      const t = parse(readFileSync(path.join(dir, f), "utf8")) as { example?: TaskDoc };
      return t.example ? [{ file: f, doc: { name: "example", stages: [{ name: "only", tasks: [t.example] }] } }] : [];
    });
}

const kinds = (nodes: DesignerNode[]) => nodes.map((n) => `${n.type}:${n.id}${n.parentId ? `<${n.parentId}` : ""}`);

describe("toGraph", () => {
  it("lays stages out as lanes left to right with their tasks inside, then an add-stage lane and the finally lane", () => {
    const { nodes } = toGraph(demo);
    expect(kinds(nodes)).toEqual([
      "stage:stage-0",
      "task:task-0-0<stage-0",
      "stage:stage-1",
      "task:task-1-0<stage-1",
      "task:task-1-1<stage-1",
      "stage:stage-2",
      "task:task-2-0<stage-2",
      "addStage:add-stage",
      "finally:finally",
    ]);
    const xs = nodes.filter((n) => n.type !== "task").map((n) => n.position.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(nodes.filter((n) => n.type === "stage").map((n) => n.height)).size, "lanes are the same height").toBe(1);
  });

  it("chains a sequential stage's tasks with edges and leaves a parallel stage's tasks unchained", () => {
    const doc: PipelineDoc = {
      name: "p",
      stages: [
        {
          name: "seq",
          tasks: [
            { name: "a", template: "shell" },
            { name: "b", template: "shell" },
            { name: "c", template: "shell" },
          ],
        },
        {
          name: "par",
          mode: "parallel",
          tasks: [
            { name: "d", template: "shell" },
            { name: "e", template: "shell" },
          ],
        },
      ],
    };
    const { edges, nodes } = toGraph(doc);
    expect(edges.map((e) => `${e.source}->${e.target}`)).toEqual(["task-0-0->task-0-1", "task-0-1->task-0-2", "stage-0->stage-1"]);
    const ys = (stage: number) => nodes.filter((n) => n.type === "task" && n.parentId === `stage-${stage}`).map((n) => n.position.y);
    expect(ys(0)[1] - ys(0)[0], "a chain leaves room for its arrows").toBeGreaterThan(ys(1)[1] - ys(1)[0]);
  });

  it("colours nodes by status, marks errors and selection, and is read-only on the run page", () => {
    const { nodes } = toGraph(demo, {
      statuses: { lint: "running", say: "succeeded" },
      errors: { "1/0": ["script: required"] },
      selection: { kind: "task", stage: 1, index: 1 },
      readOnly: true,
    });
    const task = (id: string) => nodes.find((n) => n.id === id)!.data as TaskNodeData;
    expect(task("task-1-0")).toMatchObject({ name: "lint", status: "running", errors: ["script: required"], selected: false });
    expect(task("task-0-0").status).toBe("succeeded");
    expect(task("task-1-1").selected).toBe(true);
    expect(
      nodes.some((n) => n.type === "addStage"),
      "no add-stage lane when read-only",
    ).toBe(false);
    expect(nodes.every((n) => n.draggable === false)).toBe(true);
  });

  it("carries a task's and a stage's condition to their nodes, for the graph's marker", () => {
    const doc = {
      name: "p",
      stages: [
        {
          name: "deploy",
          when: 'git.branch == "main"',
          tasks: [
            { name: "go", template: "shell", when: "params.DRY == 'no'" },
            { name: "x", template: "shell" },
          ],
        },
      ],
    };
    const { nodes } = toGraph(doc);
    const data = (id: string) => nodes.find((n) => n.id === id)?.data;
    expect(data("stage-0")).toMatchObject({ when: 'git.branch == "main"' });
    expect(data("task-0-0")).toMatchObject({ when: "params.DRY == 'no'" });
    expect(data("task-0-1")?.when).toBeUndefined();
  });

  it("finds the lane and slot under a drop point", () => {
    const { nodes } = toGraph(demo);
    const lane1 = nodes.find((n) => n.id === "stage-1")!;
    expect(laneAt(lane1.position.x + 10, 3)).toBe(1);
    expect(laneAt(10_000, 3)).toBe(3);
    const second = nodes.find((n) => n.id === "task-1-1")!;
    expect(slotAt(second.position.y + 5, 2, "parallel")).toBe(1);
    expect(slotAt(0, 2, "parallel")).toBe(0);
    expect(slotAt(10_000, 2, "parallel")).toBe(2);
  });
});

describe("spec → graph → operations → spec", () => {
  it("rebuilds the demo pipeline from its graph", () => {
    expect(rebuildFromGraph(demo)).toEqual(demo);
  });

  for (const { file, doc } of templateExamples())
    it(`rebuilds the example task of ${file}`, () => {
      expect(rebuildFromGraph(doc)).toEqual(doc);
    });
});

describe("toGraph for a version diff", () => {
  it("marks tasks by how they changed", () => {
    const { nodes } = toGraph(demo, { readOnly: true, changes: { lint: "added", package: "changed" } });
    const change = (name: string) =>
      (nodes.find((n) => n.type === "task" && (n.data as TaskNodeData).name === name)!.data as TaskNodeData).change;
    expect([change("lint"), change("package"), change("say")]).toEqual(["added", "changed", undefined]);
  });
});
