import { describe, expect, it } from "vitest";
import { compileTask, resolveRunParams } from "./compile";
import { loadBuiltinTemplates, type TemplateView } from "../templates/catalog";
import { validateSpec } from "@/lib/parse-spec";
import { AppError } from "@/lib/errors";

const builtin = (name: string): TemplateView => ({
  ...loadBuiltinTemplates().find((t) => t.name === name)!,
  version: 1,
  builtin: true,
  deprecated: false,
});
const task = (params: Record<string, unknown>, extra: object = {}) =>
  ({ name: "t", template: "git-clone", params, env: {}, retries: 0, ...extra }) as never;

describe("compiling a task", () => {
  it("substitutes a param inside one argv element, never splitting it into more arguments", () => {
    const plan = compileTask(
      task({ url: "https://x/r.git; rm -rf /", revision: "main $(id)" }),
      builtin("git-clone"),
      "stages[0].tasks[0]",
    );
    expect(plan.localCommand).toContain("https://x/r.git; rm -rf /");
    expect(plan.localCommand).toContain("main $(id)");
    expect(plan.localCommand).toHaveLength(builtin("git-clone").command.length);
  });

  it("fills schema defaults and the template's timeout", () => {
    const plan = compileTask(task({ url: "file:///repo" }), builtin("git-clone"), "x");
    // revision defaults to "" (the triggering commit, else HEAD: decided in the task's shell).
    expect(plan.localCommand!.slice(-3)).toEqual(["file:///repo", "src", ""]);
    expect(plan.timeoutSeconds).toBe(900);
  });

  it("lets the task's timeout win over the template's", () => {
    expect(compileTask(task({ url: "u" }, { timeoutSeconds: 5 }), builtin("git-clone"), "x").timeoutSeconds).toBe(5);
  });

  it("refuses params that fail the template's schema, naming the field", () => {
    try {
      compileTask(task({ dir: "/etc" }), builtin("git-clone"), "stages[1].tasks[2]");
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).details?.errors).toMatchObject([{ path: "stages[1].tasks[2].params.dir" }]);
    }
  });
});

describe("sidecars", () => {
  it("fills the task's params into a template's sidecars, e.g. the database image of an integration test", () => {
    const t = {
      name: "it",
      template: "integration-test",
      params: { database: "postgres", version: "16", script: "make it" },
      env: {},
      retries: 0,
    } as never;
    const plan = compileTask(t, builtin("integration-test"), "x");
    expect(plan.sidecars).toEqual([expect.objectContaining({ name: "database", image: "postgres:16", runAsUser: 999 })]);
    expect(plan.command).toContain("postgres");
  });

  it("uses the schema's defaults for sidecar params the task leaves out", () => {
    const t = { name: "it", template: "integration-test", params: { script: "make it" }, env: {}, retries: 0 } as never;
    expect(compileTask(t, builtin("integration-test"), "x").sidecars?.[0].image).toBe("mysql:latest");
  });
});

describe("run params", () => {
  const r = validateSpec({
    name: "p",
    params: [
      { name: "A", default: "x" },
      { name: "B", required: true },
      { name: "S", secret: true },
    ],
    stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }],
  });
  const spec = r.ok ? r.spec : (undefined as never);

  it("applies defaults and reports which params are secret", () => {
    expect(resolveRunParams(spec, { B: 2, S: "pw" })).toEqual({ values: { A: "x", B: "2", S: "pw" }, secrets: ["S"] });
  });

  it("refuses unknown and missing required params", () => {
    try {
      resolveRunParams(spec, { C: "1" });
      expect.unreachable();
    } catch (e) {
      const paths = (e as AppError).details?.errors?.map((x) => x.path);
      expect(paths).toEqual(["params.C", "params.B"]);
    }
  });
});
