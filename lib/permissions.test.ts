import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACTIONS, ACTION_LABELS, MIN_ROLE, SCOPE_NEEDED, allowedActions, roleAllows, scopeAllows } from "./permissions";
import { ROLES } from "./projects";

describe("the permission matrix", () => {
  it("gives each stronger role everything a weaker one has", () => {
    for (let i = 1; i < ROLES.length; i++) {
      for (const a of allowedActions(ROLES[i - 1])) expect(roleAllows(ROLES[i], a)).toBe(true);
    }
    expect(allowedActions("viewer")).toEqual(["project.view"]);
    expect(allowedActions("owner")).toEqual([...ACTIONS]);
    expect(roleAllows(null, "project.view")).toBe(false);
  });

  it("never lets a read token change anything", () => {
    expect(ACTIONS.filter((a) => scopeAllows("read", a))).toEqual(["project.view", "audit.view"]);
    expect(scopeAllows("run", "pipeline.edit")).toBe(false);
    expect(scopeAllows("admin", "project.manage")).toBe(true);
  });

  it("is printed unchanged in docs/permissions.md", () => {
    const doc = readFileSync("docs/permissions.md", "utf8");
    const table = doc.slice(doc.indexOf("<!-- matrix:start -->"), doc.indexOf("<!-- matrix:end -->"));
    for (const a of ACTIONS) {
      const row = table.split("\n").find((l) => l.startsWith(`| \`${a}\` |`));
      expect(row, `docs row for ${a}`).toBeDefined();
      const cells = row!.split("|").map((c) => c.trim());
      expect(cells[2]).toBe(ACTION_LABELS[a]);
      expect(cells.slice(3, 7)).toEqual(ROLES.map((r) => (roleAllows(r, a) ? "✓" : "—")));
      expect(cells[7]).toBe(SCOPE_NEEDED[a]);
    }
    expect(MIN_ROLE["member.manage"]).toBe("owner");
  });
});
