import { describe, expect, it } from "vitest";
import { PipelineSpecSchema, type PipelineSpecInput } from "../pipeline-spec";
import { checkSpecExpressions, type TemplateRefInfo } from "./check-spec";

const templates: Record<string, TemplateRefInfo> = {
  shell: { secretParams: new Set(), results: [] },
  kaniko: { secretParams: new Set(), results: ["digest", "image"] },
  sonar: { secretParams: new Set(["token"]), results: [] },
};

function check(input: Partial<PipelineSpecInput>, secrets = ["SONAR_TOKEN"]) {
  const spec = PipelineSpecSchema.parse({ name: "p", stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }], ...input });
  return checkSpecExpressions(spec, (n) => templates[n], new Set(secrets));
}

describe("references in a pipeline, checked on save", () => {
  it("accepts every kind of reference where it may be used", () => {
    const errors = check({
      params: [{ name: "TAG", default: "x" }],
      stages: [
        { name: "build", tasks: [{ name: "image", template: "kaniko", params: { image: "reg/app:{{ git.shortSha }}-{{ params.TAG }}" } }] },
        {
          name: "deploy",
          tasks: [
            {
              name: "apply",
              template: "shell",
              params: { script: "deploy {{ tasks.image.results.digest }} {{ run.number }} {{ event.mr.iid }} {{ project.slug }}" },
              env: { STATUS: "{{ tasks.image.status }}" },
              when: 'git.branch == "main" && tasks.image.status == "succeeded"',
            },
            { name: "scan", template: "sonar", params: { token: "{{ secrets.SONAR_TOKEN }}" } },
          ],
        },
      ],
    });
    expect(errors).toEqual([]);
  });

  it("points at the field of each unknown reference", () => {
    const errors = check({
      params: [{ name: "TAG" }],
      stages: [
        {
          name: "a",
          mode: "parallel",
          tasks: [
            { name: "one", template: "kaniko", params: { image: "{{ params.NOPE }}" } },
            { name: "two", template: "shell", params: { script: "{{ tasks.one.results.digest }}" } },
          ],
        },
        {
          name: "b",
          tasks: [
            {
              name: "three",
              template: "shell",
              params: { script: "{{ tasks.one.results.nope }} {{ git.commit }}" },
              env: { X: "{{ secrets.SONAR_TOKEN }}" },
            },
          ],
        },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual([
      "stages[0].tasks[0].params.image",
      "stages[0].tasks[1].params.script",
      "stages[1].tasks[0].params.script",
      "stages[1].tasks[0].params.script",
      "stages[1].tasks[0].env.X",
    ]);
    expect(errors[0].message).toContain("unknown param 'NOPE' (declared: TAG)");
    // A parallel stage's tasks run side by side: one cannot use the other's result.
    expect(errors[1].message).toContain("task 'one' does not end before this one");
    expect(errors[2].message).toContain("declares no result 'nope' (its results: digest, image)");
    expect(errors[3].message).toContain("unknown git field");
    expect(errors[4].message).toContain("secret and may be used only in a param its template marks secret");
  });

  it("lets a sequential stage's task use the tasks before it", () => {
    const errors = check({
      stages: [
        {
          name: "a",
          tasks: [
            { name: "one", template: "kaniko", params: { image: "x" } },
            { name: "two", template: "shell", params: { script: "{{ tasks.one.results.digest }}" } },
          ],
        },
      ],
    });
    expect(errors).toEqual([]);
  });

  it("takes only a secret reference in a secret param, and only an existing secret", () => {
    const at = (token: string) =>
      check({
        params: [{ name: "PW", secret: true }, { name: "USER" }],
        stages: [{ name: "s", tasks: [{ name: "t", template: "sonar", params: { token } }] }],
      });
    expect(at("{{ secrets.SONAR_TOKEN }}")).toEqual([]);
    expect(at("{{ params.PW }}")).toEqual([]);
    expect(at("hunter2")[0].message).toContain("use {{ secrets.NAME }}");
    expect(at("{{ params.USER }}")[0].message).toContain("this param is secret");
    expect(at("{{ secrets.MISSING }}")[0].message).toContain("the project has no secret 'MISSING'");
  });

  it("refuses a secret run param outside secret fields", () => {
    const errors = check({
      params: [{ name: "PW", secret: true }],
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", env: { P: "{{ params.PW }}" } }] }],
    });
    expect(errors[0]).toMatchObject({ path: "stages[0].tasks[0].env.P" });
  });

  it("checks that a condition reads only tasks that end before it", () => {
    const errors = check({
      stages: [
        { name: "a", when: 'tasks.later.status == "succeeded"', tasks: [{ name: "t", template: "shell" }] },
        { name: "b", tasks: [{ name: "later", template: "shell", when: 'tasks["t"].status == "failed"' }] },
      ],
    });
    expect(errors).toEqual([{ path: "stages[0].when", message: expect.stringContaining("task 'later' does not end before this one") }]);
  });

  it("fails the spec's shape on a CEL syntax or type error, at the condition", () => {
    const bad = PipelineSpecSchema.safeParse({
      name: "p",
      stages: [
        {
          name: "s",
          tasks: [
            { name: "t", template: "shell", when: "git.branch == 1" },
            { name: "u", template: "shell", when: "git.branch ==" },
          ],
        },
      ],
    });
    expect(bad.success).toBe(false);
    const issues = bad.error!.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues).toEqual([
      ["stages.0.tasks.0.when", expect.stringContaining("type error: no such overload: string == int")],
      ["stages.0.tasks.1.when", expect.stringContaining("syntax error")],
    ]);
  });
});

describe("references of finally and matrix tasks", () => {
  it("lets finally tasks see every stage task and run.status; stage tasks cannot read run.status", () => {
    const errors = check({
      stages: [{ name: "build", tasks: [{ name: "image", template: "kaniko", params: { script: "{{ run.status }}" } }] }],
      finally: [
        {
          name: "notify",
          template: "shell",
          params: { script: "{{ run.status }} {{ tasks.image.results.digest }}" },
          when: 'run.status == "failed" && tasks.image.status == "failed"',
        },
        { name: "other", template: "shell", params: { script: "{{ tasks.notify.status }}" } },
      ],
    });
    expect(errors).toEqual([
      { path: "stages[0].tasks[0].params.script", message: expect.stringContaining("only in `finally` tasks") },
      { path: "finally[1].params.script", message: expect.stringContaining("task 'notify' does not end before this one") },
    ]);
  });

  it("allows matrix.NAME only in a matrix task, for its axes, and refuses a matrix task's results", () => {
    const errors = check({
      stages: [
        {
          name: "build",
          tasks: [
            { name: "image", template: "kaniko", matrix: { ARCH: ["amd64", "arm64"] }, params: { a: "{{ matrix.ARCH }} {{ matrix.OS }}" } },
            { name: "plain", template: "shell", params: { a: "{{ matrix.ARCH }}" } },
          ],
        },
        {
          name: "deploy",
          tasks: [
            {
              name: "use",
              template: "shell",
              params: { a: "{{ tasks.image.results.digest }} {{ tasks.image.status }}" },
              when: 'tasks.image.results.digest != ""',
            },
          ],
        },
      ],
    });
    expect(errors).toEqual([
      { path: "stages[0].tasks[0].params.a", message: expect.stringContaining("unknown matrix axis 'OS' (this task's axes: ARCH)") },
      { path: "stages[0].tasks[1].params.a", message: expect.stringContaining("only in a task with a `matrix`") },
      { path: "stages[1].tasks[0].params.a", message: expect.stringContaining("'digest' is ambiguous") },
      { path: "stages[1].tasks[0].when", message: expect.stringContaining("task 'image' has a matrix") },
    ]);
  });

  it("takes a timeout from a run param, but not from what only a task's start knows", () => {
    const errors = check({
      params: [{ name: "TIMEOUT", default: "600" }],
      stages: [
        { name: "a", tasks: [{ name: "one", template: "kaniko", params: { image: "x" }, timeoutSeconds: "{{ params.TIMEOUT }}" }] },
        { name: "b", tasks: [{ name: "two", template: "shell", timeoutSeconds: "{{ tasks.one.results.digest }}" }] },
      ],
    });
    expect(errors).toEqual([
      { path: "stages[1].tasks[0].timeoutSeconds", message: expect.stringContaining("known only when a task starts") },
    ]);
    expect(
      PipelineSpecSchema.safeParse({
        name: "p",
        stages: [{ name: "s", tasks: [{ name: "t", template: "shell", timeoutSeconds: "soon" }] }],
      }).success,
    ).toBe(false);
  });

  it("refuses run.status in a stage task's condition: only finally tasks know it", () => {
    const errors = check({ stages: [{ name: "s", tasks: [{ name: "t", template: "shell", when: 'run.status == "failed"' }] }] });
    expect(errors).toEqual([{ path: "stages[0].tasks[0].when", message: "run.status is known only in `finally` tasks" }]);
    const fin = check({
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }],
      finally: [{ name: "f", template: "shell", when: 'run.status == "failed"' }],
    });
    expect(fin).toEqual([]);
  });
});
