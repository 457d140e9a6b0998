import { describe, expect, it } from "vitest";
import { parseSpecText, validateSpec } from "./parse-spec";

const ok = `
name: hello-world
params:
  - name: GREETING
    default: hello
  - name: TOKEN
    secret: true
stages:
  - name: build
    mode: parallel
    tasks:
      - name: say
        template: shell
        params: { script: "echo $GREETING" }
        env: { FOO: bar, N: 3 }
`;

describe("pipeline spec validation", () => {
  it("takes a task's JUnit report globs, one or a list, and says at the field what is wrong with one", () => {
    const task = (reports: unknown) =>
      validateSpec({ name: "p", stages: [{ name: "s", tasks: [{ name: "t", template: "shell", reports }] }] });
    const one = task({ junit: "reports/*.xml" });
    expect(one.ok && one.spec.stages[0].tasks[0].reports).toEqual({ junit: "reports/*.xml" });
    expect(task({ junit: ["reports/*.xml", "*/target/surefire-reports/TEST-*.xml"] }).ok).toBe(true);
    const errors = (reports: unknown) => {
      const r = task(reports);
      return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(errors({ junit: ["/etc/passwd", "../x.xml", "**/*.xml", "my reports/*.xml"] })).toEqual([
      "stages[0].tasks[0].reports.junit[0]: must be relative to the workspace, not absolute",
      "stages[0].tasks[0].reports.junit[1]: must stay inside the workspace ('..' is not allowed)",
      "stages[0].tasks[0].reports.junit[2]: '**' is not supported: name each directory level (reports/*.xml, */target/surefire-reports/*.xml)",
      "stages[0].tasks[0].reports.junit[3]: letters, digits, '.', '_', '-', '/' and the glob characters * ? [ ] only (no spaces)",
    ]);
    expect(errors({ junit: [] })).toEqual(["stages[0].tasks[0].reports.junit: name at least one path"]);
    expect(errors({ xunit: "a.xml" })[0]).toMatch(/^stages\[0\]\.tasks\[0\]\.reports/);
  });

  it("accepts the documented example and fills defaults", () => {
    const r = parseSpecText(ok);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.stages[0].tasks[0]).toMatchObject({ retries: 0, env: { FOO: "bar", N: "3" } });
    expect(r.spec.params[1]).toMatchObject({ name: "TOKEN", secret: true });
  });

  it("defaults a stage to sequential", () => {
    const r = validateSpec({ name: "p", stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }] });
    expect(r.ok && r.spec.stages[0].mode).toBe("sequential");
  });

  it("names the field path and the line of a missing template", () => {
    const r = parseSpecText(ok.replace("        template: shell\n", ""));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual(expect.objectContaining({ path: "stages[0].tasks[0].template", message: "required" }));
    // The nearest existing node is the task itself, on the line of `- name: say`.
    expect(r.errors[0].line).toBe(12);
  });

  it("rejects names that break DNS-1123 with a message that says why", () => {
    const r = validateSpec({ name: "Hello_World", stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0].path).toBe("name");
    expect(r.errors[0].message).toMatch(/DNS-1123/);
  });

  it("rejects param names that are not environment-style", () => {
    const r = validateSpec({
      name: "p",
      params: [{ name: "greeting" }],
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }],
    });
    expect(!r.ok && r.errors[0]).toMatchObject({ path: "params[0].name" });
  });

  it("reports duplicate task names across stages", () => {
    const r = validateSpec({
      name: "p",
      stages: [
        { name: "a", tasks: [{ name: "t", template: "shell" }] },
        { name: "b", tasks: [{ name: "t", template: "shell" }] },
      ],
    });
    expect(!r.ok && r.errors).toContainEqual({ path: "stages[1].tasks[0].name", message: "duplicate task name 't'" });
  });

  it("reports unknown fields instead of silently dropping them", () => {
    const r = validateSpec({ name: "p", stagez: [], stages: [{ name: "s", tasks: [{ name: "t", template: "shell", timeout: 5 }] }] });
    expect(!r.ok && r.errors.map((e) => e.path + ": " + e.message)).toEqual(
      expect.arrayContaining([": unknown field 'stagez'", "stages[0].tasks[0]: unknown field 'timeout'"]),
    );
  });

  it("points an unknown field at the key's own line", () => {
    const r = parseSpecText(
      ok.replace("        retries: 0\n", "").replace("        env: { FOO: bar, N: 3 }\n", "        env: { FOO: bar }\n        retrys: 2\n"),
    );
    expect(!r.ok && r.errors[0]).toMatchObject({ path: "stages[0].tasks[0]", message: "unknown field 'retrys'", line: 16 });
  });

  it("says what `retry` takes when it is given a number", () => {
    const r = parseSpecText(ok.replace("        env: { FOO: bar, N: 3 }\n", "        env: { FOO: bar }\n        retry: 2\n"));
    expect(!r.ok && r.errors[0]).toMatchObject({
      path: "stages[0].tasks[0].retry",
      message: "an object such as { onFlaky: 2 } (a plain number of retries is `retries`)",
    });
  });

  it("points YAML syntax errors at their line", () => {
    const r = parseSpecText("name: p\nstages:\n  - name: s\n    tasks: [\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.syntax).toBe(true);
    expect(r.errors[0].line).toBeGreaterThanOrEqual(4);
  });

  it("refuses a spec that is not an object", () => {
    const r = parseSpecText("- just\n- a list\n");
    expect(!r.ok && r.errors[0].message).toMatch(/must be an object/);
  });

  it("requires at least one stage and one task per stage", () => {
    const r = validateSpec({ name: "p", stages: [{ name: "s", tasks: [] }] });
    expect(!r.ok && r.errors[0]).toEqual({ path: "stages[0].tasks", message: "a stage needs at least one task" });
  });
});

describe("task secrets", () => {
  const spec = (task: Record<string, unknown>) => ({
    name: "p",
    stages: [{ name: "s", tasks: [{ name: "t", template: "shell", ...task }] }],
  });

  it("takes a list of environment-style names, and leaves the field out when absent", () => {
    const r = validateSpec(spec({ secrets: ["DEPLOY_TOKEN", "_X1"] }));
    expect(r.ok && r.spec.stages[0].tasks[0].secrets).toEqual(["DEPLOY_TOKEN", "_X1"]);
    const none = validateSpec(spec({}));
    expect(none.ok && "secrets" in none.spec.stages[0].tasks[0]).toBe(false);
  });

  it("keeps the field through YAML", () => {
    const r = parseSpecText(
      `name: p\nstages:\n  - name: s\n    tasks:\n      - name: t\n        template: shell\n        secrets: [API_KEY]\n`,
    );
    expect(r.ok && r.spec.stages[0].tasks[0].secrets).toEqual(["API_KEY"]);
  });

  it("names the path of a bad, repeated or clashing name", () => {
    const bad = validateSpec(spec({ secrets: ["ok", "GOOD"] }));
    expect(!bad.ok && bad.errors[0]).toMatchObject({ path: "stages[0].tasks[0].secrets[0]" });
    const twice = validateSpec(spec({ secrets: ["A_B", "A_B"] }));
    expect(!twice.ok && twice.errors[0]).toMatchObject({ path: "stages[0].tasks[0].secrets[1]", message: "secret 'A_B' is listed twice" });
    const clash = validateSpec(spec({ secrets: ["TOKEN"], env: { TOKEN: "x" } }));
    expect(!clash.ok && clash.errors[0]).toMatchObject({
      path: "stages[0].tasks[0].secrets[0]",
      message: expect.stringMatching(/also set in env/),
    });
    const notList = validateSpec(spec({ secrets: "TOKEN" }));
    expect(!notList.ok && notList.errors[0].path).toBe("stages[0].tasks[0].secrets");
  });
});

describe("a task's kubernetes block", () => {
  const withK8s = (kubernetes: unknown) =>
    validateSpec({ name: "k", stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" }, kubernetes }] }] });

  it("accepts resources, envFrom and a JobSpec, reading YAML numbers as quantities", () => {
    const r = withK8s({
      resources: { requests: { cpu: 1, memory: "2Gi" } },
      envFrom: [{ configMap: "app-config", prefix: "APP_" }, { secret: "registry" }],
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.spec.stages[0].tasks[0].kubernetes?.resources).toEqual({ requests: { cpu: "1", memory: "2Gi" } });
  });

  it("says which source is wrong and why", () => {
    const r = withK8s({
      envFrom: [{ configMap: "a", secret: "b" }, { secret: "gantry-abc-params" }],
      resources: { limits: { cpu: "lots" } },
      jobSpec: { template: {} },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const at = "stages[0].tasks[0].kubernetes";
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { path: `${at}.envFrom[0]`, message: "name either a configMap or a secret" },
        { path: `${at}.envFrom[1].secret`, message: expect.stringMatching(/Gantry's own/) },
        { path: `${at}.resources.limits.cpu`, message: expect.stringMatching(/Kubernetes quantity/) },
        { path: `${at}.jobSpec`, message: "a JobSpec needs template.spec.containers" },
      ]),
    );
  });
});
