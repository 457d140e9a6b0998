import { describe, expect, it } from "vitest";
import { apply } from "./apply";
import type { PipelineDoc } from "./types";

const doc = (): PipelineDoc => ({
  name: "demo",
  stages: [
    {
      name: "build",
      tasks: [
        { name: "compile", template: "shell", params: { script: "make" } },
        { name: "pack", template: "shell" },
      ],
    },
    { name: "test", mode: "parallel", tasks: [{ name: "unit", template: "shell" }] },
  ],
});
const names = (d: PipelineDoc) => d.stages.map((s) => `${s.name}:${s.tasks.map((t) => t.name).join(",")}`);

describe("designer operations", () => {
  it("adds a task from a template at an index, renaming it when the name is taken", () => {
    const d = apply(doc(), { type: "addTask", stage: 0, index: 1, task: { name: "compile", template: "shell", params: {} } });
    expect(names(d)).toEqual(["build:compile,compile-2,pack", "test:unit"]);
    expect(names(apply(doc(), { type: "addTask", stage: 1, task: { name: "lint", template: "shell" } }))).toEqual([
      "build:compile,pack",
      "test:unit,lint",
    ]);
  });

  it("never mutates the document it was given", () => {
    const before = doc();
    const copy = structuredClone(before);
    apply(before, { type: "moveTask", from: { stage: 0, index: 0 }, to: { stage: 1, index: 0 } });
    apply(before, { type: "updateTask", task: { stage: 0, index: 0 }, patch: { params: { script: "x" } } });
    expect(before).toEqual(copy);
  });

  it("moves a task within a stage and into another stage", () => {
    expect(names(apply(doc(), { type: "moveTask", from: { stage: 0, index: 0 }, to: { stage: 0, index: 1 } }))).toEqual([
      "build:pack,compile",
      "test:unit",
    ]);
    expect(names(apply(doc(), { type: "moveTask", from: { stage: 0, index: 1 }, to: { stage: 1, index: 0 } }))).toEqual([
      "build:compile",
      "test:pack,unit",
    ]);
  });

  it("reorders stages", () => {
    expect(names(apply(doc(), { type: "moveStage", from: 0, to: 1 }))).toEqual(["test:unit", "build:compile,pack"]);
  });

  it("duplicates a task and a stage with unique names right after the original", () => {
    const t = apply(doc(), { type: "duplicateTask", task: { stage: 0, index: 0 } });
    expect(names(t)).toEqual(["build:compile,compile-2,pack", "test:unit"]);
    expect(t.stages[0].tasks[1].params).toEqual({ script: "make" });
    const s = apply(apply(doc(), { type: "duplicateStage", stage: 0 }), { type: "duplicateStage", stage: 0 });
    expect(names(s)).toEqual(["build:compile,pack", "build-3:compile-3,pack-3", "build-2:compile-2,pack-2", "test:unit"]);
  });

  it("deletes a task (its stage stays, empty) and a stage", () => {
    expect(names(apply(doc(), { type: "deleteTask", task: { stage: 1, index: 0 } }))).toEqual(["build:compile,pack", "test:"]);
    expect(names(apply(doc(), { type: "deleteStage", stage: 0 }))).toEqual(["test:unit"]);
  });

  it("switches a stage between sequential and parallel", () => {
    expect(apply(doc(), { type: "setStageMode", stage: 0, mode: "parallel" }).stages[0].mode).toBe("parallel");
    expect(apply(doc(), { type: "setStageMode", stage: 1, mode: "sequential" }).stages[1].mode).toBe("sequential");
  });

  it("updates a task's name, params, env, timeout and retries, dropping emptied fields", () => {
    const ref = { stage: 0, index: 0 };
    let d = apply(doc(), {
      type: "updateTask",
      task: ref,
      patch: { name: "build-it", params: { script: "make all" }, env: { CI: "1" }, timeoutSeconds: 60, retries: 2 },
    });
    expect(d.stages[0].tasks[0]).toEqual({
      name: "build-it",
      template: "shell",
      params: { script: "make all" },
      env: { CI: "1" },
      timeoutSeconds: 60,
      retries: 2,
    });
    d = apply(d, { type: "updateTask", task: ref, patch: { env: {}, timeoutSeconds: null, retries: 0 } });
    expect(d.stages[0].tasks[0]).toEqual({ name: "build-it", template: "shell", params: { script: "make all" } });
  });

  it("adds an empty stage with a unique name, and renames stages and the pipeline", () => {
    const d = apply(apply(doc(), { type: "addStage", name: "build" }), { type: "addStage", index: 0 });
    expect(names(d)).toEqual(["stage:", "build:compile,pack", "test:unit", "build-2:"]);
    expect(apply(doc(), { type: "rename", stage: 1, name: "verify" }).stages[1].name).toBe("verify");
    const p = apply(doc(), { type: "rename", name: "other", description: "about" });
    expect([p.name, p.description]).toEqual(["other", "about"]);
  });

  it("sets the pipeline's repository field by field, before the stages, and drops what was cleared", () => {
    let d = apply(doc(), { type: "setRepository", patch: { url: "https://github.com/acme/web.git" } });
    expect(Object.keys(d)).toEqual(["name", "repository", "stages"]);
    expect(d.repository).toEqual({ url: "https://github.com/acme/web.git" });
    d = apply(d, { type: "setRepository", patch: { revision: "main", dir: "app" } });
    expect(d.repository).toEqual({ url: "https://github.com/acme/web.git", revision: "main", dir: "app" });
    d = apply(d, { type: "setRepository", patch: { revision: "", dir: "" } });
    expect(d.repository).toEqual({ url: "https://github.com/acme/web.git" });
    expect(apply(d, { type: "setRepository", patch: { url: "" } })).not.toHaveProperty("repository");
    expect(apply(d, { type: "setRepository", patch: null })).toEqual(doc());
  });

  it("replaces the whole document (a YAML edit)", () => {
    const next = { name: "x", stages: [] };
    expect(apply(doc(), { type: "replace", doc: next })).toBe(next);
  });

  it("refuses an operation on a task that does not exist", () => {
    expect(() => apply(doc(), { type: "deleteTask", task: { stage: 0, index: 9 } })).toThrow(/no task/);
  });
  it("sets a task's Kubernetes resources, keeping the rest of its kubernetes block, and drops the block when nothing is left", () => {
    const ref = { stage: 0, index: 0 };
    const envFrom = [{ configMap: "app" }];
    let d = apply(doc(), { type: "updateTask", task: ref, patch: { resources: { requests: { cpu: "500m" }, limits: {} } } });
    expect(d.stages[0].tasks[0].kubernetes).toEqual({ resources: { requests: { cpu: "500m" } } });
    d = {
      ...d,
      stages: [
        {
          ...d.stages[0],
          tasks: [{ ...d.stages[0].tasks[0], kubernetes: { ...d.stages[0].tasks[0].kubernetes, envFrom } }, ...d.stages[0].tasks.slice(1)],
        },
        ...d.stages.slice(1),
      ],
    };
    d = apply(d, { type: "updateTask", task: ref, patch: { resources: null } });
    expect(d.stages[0].tasks[0].kubernetes).toEqual({ envFrom });
    d = apply(d, { type: "updateTask", task: ref, patch: { resources: { limits: { memory: "1Gi" } } } });
    expect(d.stages[0].tasks[0].kubernetes).toEqual({ envFrom, resources: { limits: { memory: "1Gi" } } });
    const bare = apply(apply(doc(), { type: "updateTask", task: ref, patch: { resources: { requests: { cpu: "1" } } } }), {
      type: "updateTask",
      task: ref,
      patch: { resources: {} },
    });
    expect(bare.stages[0].tasks[0]).not.toHaveProperty("kubernetes");
  });
});

describe("conditions and results in the designer", () => {
  const at = { stage: 0, index: 0 };

  it("sets a task's condition and results after its template, and removes them when emptied", async () => {
    let d = apply(doc(), { type: "updateTask", task: at, patch: { results: [{ name: "digest", description: "" }] } });
    d = apply(d, { type: "updateTask", task: at, patch: { when: 'git.branch == "main"' } });
    expect(Object.keys(d.stages[0].tasks[0])).toEqual(["name", "template", "when", "results", "params"]);
    expect(d.stages[0].tasks[0].results).toEqual([{ name: "digest" }]);
    const { parseSpecText } = await import("../parse-spec");
    const { stringify } = await import("yaml");
    const r = parseSpecText(stringify(d));
    expect(r.ok && r.spec.stages[0].tasks[0]).toMatchObject({ when: 'git.branch == "main"', results: [{ name: "digest" }] });
    d = apply(d, { type: "updateTask", task: at, patch: { when: "", results: [] } });
    expect(d.stages[0].tasks[0]).toEqual(doc().stages[0].tasks[0]);
  });

  it("sets a task's JUnit report paths, one as a string and several as a list, and removes them when emptied", () => {
    let d = apply(doc(), { type: "updateTask", task: at, patch: { junit: ["reports/*.xml"] } });
    expect(Object.keys(d.stages[0].tasks[0])).toEqual(["name", "template", "reports", "params"]);
    expect(d.stages[0].tasks[0].reports).toEqual({ junit: "reports/*.xml" });
    d = apply(d, { type: "updateTask", task: at, patch: { junit: ["reports/*.xml", "go/*.xml"] } });
    expect(d.stages[0].tasks[0].reports).toEqual({ junit: ["reports/*.xml", "go/*.xml"] });
    expect(apply(d, { type: "updateTask", task: at, patch: { junit: [] } }).stages[0].tasks[0]).toEqual(doc().stages[0].tasks[0]);
  });

  it("sets a stage's condition before its tasks and removes it with null", () => {
    const before = doc();
    const d = apply(before, { type: "setStageCondition", stage: 1, when: "params.ENV == 'prod'" });
    expect(Object.keys(d.stages[1])).toEqual(["name", "mode", "when", "tasks"]);
    expect(d.stages[0], "the other stage keeps its identity").toBe(before.stages[0]);
    const edited = apply(d, { type: "setStageCondition", stage: 1, when: "true" });
    expect(Object.keys(edited.stages[1])).toEqual(["name", "mode", "when", "tasks"]);
    expect(apply(edited, { type: "setStageCondition", stage: 1, when: null }).stages[1]).toEqual(doc().stages[1]);
  });
});
