import { describe, expect, it } from "vitest";
import { escapeText, parseTemplate, refsOf, render, UnresolvedReference } from "./template";

const values: Record<string, string> = { "params.TAG": "1.2", "git.branch": "main", "tasks.build.results.digest": "sha256:abc" };
const lookup = (path: string[]) => values[path.join(".")];
const runPhase = (path: string[]) => (path[0] === "tasks" ? undefined : lookup(path));

describe("{{ … }} templates", () => {
  it("finds references with or without spaces, and keeps the rest as text", () => {
    expect(refsOf("app:{{params.TAG}}-{{ git.branch }}").map((r) => r.raw)).toEqual(["params.TAG", "git.branch"]);
    expect(render("app:{{params.TAG}}-{{ git.branch }}", lookup, true)).toBe("app:1.2-main");
  });

  it("leaves what is not a reference as text: Go templates in scripts, an unclosed {{", () => {
    expect(refsOf("docker inspect -f '{{.Id}}' x; echo {{ json . }}")).toEqual([]);
    expect(render("docker inspect -f '{{.Id}}' {{ params.TAG }}", lookup, true)).toBe("docker inspect -f '{{.Id}}' 1.2");
    expect(render("a {{ b", lookup, true)).toBe("a {{ b");
  });

  it('writes a literal {{ as {{ "{{" }}', () => {
    expect(render('{{ "{{" }} params.TAG }}', lookup, true)).toBe("{{ params.TAG }}");
    expect(parseTemplate('x{{ "{{" }}y').parts).toEqual([{ kind: "text", text: "x{{y" }]);
  });

  it("substitutes values as data: shell syntax in a value stays literal text", () => {
    values["git.branch"] = "$(reboot);a`id` {{ secrets.X }}";
    try {
      // Creation time: the branch is substituted, the task result is left for the task's start.
      const atCreation = render("{{ git.branch }}|{{ tasks.build.results.digest }}", runPhase, false);
      expect(refsOf(atCreation).map((r) => r.raw)).toEqual(["tasks.build.results.digest"]);
      // Start: the value's own {{ … }} is not read as a reference: it comes out exactly as given.
      expect(render(atCreation, lookup, true)).toBe("$(reboot);a`id` {{ secrets.X }}|sha256:abc");
    } finally {
      values["git.branch"] = "main";
    }
  });

  it("inserts a value already in template form without escaping it again", () => {
    const param = render("{{ tasks.build.results.digest }}", runPhase, false);
    const cmd = render("--digest={{ params.d }}", (p) => (p[0] === "params" ? { escaped: param } : undefined), false);
    expect(render(cmd, lookup, true)).toBe("--digest=sha256:abc");
  });

  it("refuses to finish while a reference has no value", () => {
    expect(() => render("{{ tasks.x.results.y }}", lookup, true)).toThrow(UnresolvedReference);
  });

  it("escapes only what would be read back as a reference", () => {
    expect(escapeText("plain")).toBe("plain");
    expect(render(escapeText("a{{b}}c"), () => undefined, true)).toBe("a{{b}}c");
  });
});
