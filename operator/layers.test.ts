import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sourceFiles } from "../tests/source-files";

/**
 * The operator reads and writes the database only through server/ functions (DESIGN.md: server/
 * is the only place with business rules and queries), and the pure parts of the Kubernetes
 * executor import nothing bound to the database.
 */

const importsOf = (file: string) =>
  [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);

describe("operator layers", () => {
  it("has no queries of its own: no drizzle-orm, mysql2 or table schema imports", () => {
    const offenders = sourceFiles("operator").flatMap((f) =>
      importsOf(f)
        .filter((i) => i === "drizzle-orm" || i.startsWith("mysql2") || i === "@/server/db/schema" || i.startsWith("@/server/db/schema/"))
        .map((i) => `${f} imports ${i}`),
    );
    expect(offenders, "move the query into a server/ function and call that").toEqual([]);
  });

  it("keeps the BuildJob status derivation pure: no import of the database or the run state module", () => {
    const imports = importsOf("operator/executors/kubernetes/status.ts");
    expect(imports.filter((i) => i.startsWith("@/server/"))).toEqual([]);
  });
});

describe("UI layers", () => {
  it("keeps components and pages off the database: they read through declared operations (pageCall)", () => {
    const offenders = [...sourceFiles("components"), ...sourceFiles("app")].flatMap((f) =>
      importsOf(f)
        .filter((i) => i === "drizzle-orm" || i.startsWith("mysql2") || i.startsWith("@/server/db/"))
        .map((i) => `${f} imports ${i}`),
    );
    expect(offenders, "read through an operation in server/<area>/operations.ts and pageCall").toEqual([]);
  });
});
