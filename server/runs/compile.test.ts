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

describe("compiling a task with references", () => {
  const values = {
    params: { TAG: "1.2", N: "3" },
    git: {
      sha: "0123456789abcdef0123456789abcdef01234567",
      branch: "feat/$(reboot)",
      tag: null,
      ref: "refs/heads/feat",
      url: "https://forge/r.git",
    },
    event: { type: "push", issueKeys: ["AB-1", "AB-2"] },
    pipeline: { name: "web" },
    project: { slug: "team" },
  };
  const tpl: TemplateView = {
    ...builtin("shell"),
    name: "deployer",
    command: ["sh", "-c", 'deploy "$1" "$2"', "deployer", "{{ params.image }}", "{{ params.replicas }}"],
    args: [],
    env: { TOKEN: "{{ params.token }}", BRANCH: "{{ git.branch }}" },
    paramsSchema: {
      type: "object",
      properties: {
        image: { type: "string", pattern: "^[a-z0-9./:@_-]+$" },
        replicas: { type: "integer" },
        token: { type: "string", secret: true },
      },
    },
    local: { supported: true, requires: [] },
  };

  it("fills what the run knows now and leaves what the task's start knows, one argv element each", () => {
    const plan = compileTask(
      task(
        {
          image: "reg/app:{{ git.shortSha }}@{{ tasks.build.results.digest }}",
          replicas: "{{ params.N }}",
          token: "{{ secrets.DEPLOY_TOKEN }}",
        },
        { template: "deployer", env: { ISSUES: "{{ event.issueKeys }}", N: "{{ run.number }}" } },
      ),
      tpl,
      "stages[1].tasks[0]",
      values,
    );
    expect(plan.templated).toBe(true);
    // The integer param filled by a reference is checked and given as its number.
    expect(plan.command.slice(-2)).toEqual(["reg/app:0123456@{{ tasks.build.results.digest }}", "3"]);
    expect(plan.needs).toEqual([["build", "digest"]]);
    expect(plan.env).toMatchObject({ BRANCH: "feat/$(reboot)", ISSUES: "AB-1,AB-2", N: "{{ run.number }}" });
    // The secret param is a name to resolve at start: never a value, never in argv or env.
    expect(plan.secretEnv).toEqual({ TOKEN: { secret: "DEPLOY_TOKEN" } });
    expect(JSON.stringify(plan)).not.toContain("{{ secrets.");
    expect(plan.env.TOKEN).toBeUndefined();
  });

  it("fills references in a param's schema default like a given value", () => {
    const withDefault = {
      ...tpl,
      paramsSchema: {
        ...tpl.paramsSchema,
        properties: {
          ...(tpl.paramsSchema.properties as object),
          image: { type: "string", default: "reg/{{ pipeline.name }}:{{ git.shortSha }}" },
        },
      },
    };
    const plan = compileTask(task({ token: "{{ secrets.X }}", replicas: 1 }, { template: "deployer" }), withDefault, "x", values);
    expect(plan.command.at(-2)).toBe("reg/web:0123456");
  });

  it("takes the timeout from a reference when the run is created, refusing what is not whole seconds", () => {
    const at = (timeoutSeconds: string, TIMEOUT: string) =>
      compileTask(task({ token: "{{ secrets.X }}", replicas: 1 }, { template: "deployer", timeoutSeconds }), tpl, "stages[0].tasks[0]", {
        ...values,
        params: { ...values.params, TIMEOUT },
      });
    expect(at("{{ params.TIMEOUT }}", "90").timeoutSeconds).toBe(90);
    expect(() => at("{{ params.TIMEOUT }}", "1h")).toThrow(
      expect.objectContaining({
        details: {
          errors: [expect.objectContaining({ path: "stages[0].tasks[0].timeoutSeconds", message: expect.stringContaining("gives '1h'") })],
        },
      }),
    );
  });

  it("tells a task and its condition whether the pull request comes from a fork", () => {
    const build = (fork: boolean | undefined) =>
      compileTask(
        task({ token: "{{ secrets.X }}", replicas: 1 }, { template: "deployer", env: { FORK: "{{ event.fork }}" }, when: "!event.fork" }),
        tpl,
        "stages[0].tasks[0]",
        { ...values, event: { type: "pull_request", fork } },
      );
    expect(build(true).env.FORK).toBe("true");
    expect(build(true).when?.context).toMatchObject({ event: { fork: true } });
    expect(build(false).env.FORK).toBe("false");
    expect(build(undefined).when?.context).toMatchObject({ event: { fork: false } });
  });

  it("checks a param's schema once its value is known, at the param", () => {
    expect(() =>
      compileTask(
        task({ image: "Bad Image {{ params.TAG }}", token: "{{ secrets.X }}" }, { template: "deployer" }),
        tpl,
        "stages[0].tasks[0]",
        values,
      ),
    ).toThrow(expect.objectContaining({ details: { errors: [expect.objectContaining({ path: "stages[0].tasks[0].params.image" })] } }));
  });

  it("gives one matrix combination its values as env and as {{ matrix.X }}, kept as text", () => {
    const plan = compileTask(
      task(
        { image: "node:{{ matrix.NODE }}", token: "{{ secrets.X }}" },
        { template: "deployer", matrix: { NODE: ["20", "{{ x }}"] }, failFast: false },
      ),
      tpl,
      "stages[0].tasks[0]",
      { ...values, matrix: { NODE: "20", ODD: "{{ x }}" } },
    );
    expect(plan.command).toContain("node:20");
    expect(plan.env).toMatchObject({ NODE: "20", ODD: '{{ "{{" }} x }}' });
    expect(plan.matrix).toEqual({ task: "t", values: { NODE: "20", ODD: "{{ x }}" }, failFast: false });
  });
});
