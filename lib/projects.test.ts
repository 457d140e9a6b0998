import { describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID, formatTolerations, namespaceOf, parseTolerations, ProjectSettingsSchema } from "./projects";

describe("project namespaces", () => {
  it("puts a project in gantry-<slug>, its own namespace setting, or the operator's for the default project", () => {
    expect(namespaceOf({ id: "x", slug: "web", settings: {} }, "ops")).toBe("gantry-web");
    expect(namespaceOf({ id: "x", slug: "web", settings: { namespace: "team-web" } }, "ops")).toBe("team-web");
    expect(namespaceOf({ id: DEFAULT_PROJECT_ID, slug: "default", settings: {} }, "ops")).toBe("ops");
  });
});

describe("tolerations as kubectl taint lines", () => {
  it("reads key=value:Effect, key:Effect, key and *", () => {
    const r = parseTolerations("dedicated=ci:NoSchedule\n\n gpu:NoExecute \nspot\n*");
    expect(r).toEqual({
      ok: true,
      value: [
        { key: "dedicated", operator: "Equal", value: "ci", effect: "NoSchedule" },
        { key: "gpu", operator: "Exists", effect: "NoExecute" },
        { key: "spot", operator: "Exists" },
        { operator: "Exists" },
      ],
    });
    if (r.ok) expect(formatTolerations(r.value)).toBe("dedicated=ci:NoSchedule\ngpu:NoExecute\nspot\n*");
  });

  it("names the line and the rule of a bad one", () => {
    expect(parseTolerations("a=b:NoSchedule\nx=y:Sometimes")).toEqual({
      ok: false,
      error: expect.stringMatching(/^line 2 \('x=y:Sometimes'\): write key=value:Effect/),
    });
  });
});

describe("project settings", () => {
  it("refuses an affinity that is not one of the PodSpec's kinds, and a service account that is no object name", () => {
    const r = ProjectSettingsSchema.safeParse({ affinity: { nodeAfinity: {} }, serviceAccount: "Builder Bot" });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["affinity", "serviceAccount"]));
  });
});
