import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectWorkspaceReports, MAX_REPORT_BYTES, MAX_REPORT_FILES } from "./reports";

let root: string;
let workspace: string;
let outside: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "gantry-reports-"));
  workspace = path.join(root, "ws");
  outside = path.join(root, "secret");
  mkdirSync(path.join(workspace, "reports", "nested"), { recursive: true });
  mkdirSync(path.join(workspace, "svc-a", "target", "surefire-reports"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, "TEST-secret.xml"), "operator-only");
  writeFileSync(path.join(workspace, "reports", "a.xml"), "A");
  writeFileSync(path.join(workspace, "reports", "b.xml"), "B");
  writeFileSync(path.join(workspace, "reports", ".hidden.xml"), "H");
  writeFileSync(path.join(workspace, "reports", "notes.txt"), "N");
  writeFileSync(path.join(workspace, "reports", "nested", "c.xml"), "C");
  writeFileSync(path.join(workspace, "svc-a", "target", "surefire-reports", "TEST-calc.xml"), "S");
  // Links out of the workspace, to a file and to a directory: neither is read.
  symlinkSync(path.join(outside, "TEST-secret.xml"), path.join(workspace, "reports", "link.xml"));
  symlinkSync(outside, path.join(workspace, "linked-dir"));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const names = async (globs: string[]) => (await collectWorkspaceReports(workspace, globs)).files.map((f) => f.name);

describe("collectWorkspaceReports", () => {
  it("expands globs as sh does: one level per '*', no dot files, each file once", async () => {
    expect(await names(["reports/*.xml"])).toEqual(["reports/a.xml", "reports/b.xml"]);
    expect(await names(["reports/*.xml", "reports/a.xml", "*/target/surefire-reports/TEST-*.xml"])).toEqual([
      "reports/a.xml",
      "reports/b.xml",
      "svc-a/target/surefire-reports/TEST-calc.xml",
    ]);
    expect(await names(["reports/*/*.xml", "./reports/[ab].xml"])).toEqual(["reports/a.xml", "reports/b.xml", "reports/nested/c.xml"]);
    expect(await names(["nothing/*.xml", "reports/missing.xml"])).toEqual([]);
  });

  it("never follows a symbolic link out of the workspace", async () => {
    const r = await collectWorkspaceReports(workspace, [
      "reports/link.xml",
      "linked-dir/*.xml",
      "linked-dir/TEST-secret.xml",
      "*/TEST-*.xml",
    ]);
    expect(r).toEqual({ files: [], problems: [] });
  });

  it("skips what is past a task's size limit and names it", async () => {
    writeFileSync(path.join(workspace, "reports", "zz-big.xml"), Buffer.alloc(MAX_REPORT_BYTES));
    const r = await collectWorkspaceReports(workspace, ["reports/*.xml"]);
    rmSync(path.join(workspace, "reports", "zz-big.xml"));
    expect(r.files.map((f) => f.content)).toEqual(["A", "B"]);
    expect(r.problems).toEqual([
      `test report reports/zz-big.xml skipped: ${MAX_REPORT_BYTES} bytes; a task's reports may have at most ${MAX_REPORT_BYTES} bytes together`,
    ]);
  });

  it("reads at most the files a task may report", async () => {
    const many = path.join(workspace, "many");
    mkdirSync(many);
    for (let i = 0; i < MAX_REPORT_FILES + 2; i++) writeFileSync(path.join(many, `r${String(i).padStart(3, "0")}.xml`), "x");
    const r = await collectWorkspaceReports(workspace, ["many/*.xml"]);
    expect(r.files).toHaveLength(MAX_REPORT_FILES);
    expect(r.problems).toEqual([`${MAX_REPORT_FILES + 2} test reports matched; only the first ${MAX_REPORT_FILES} are read`]);
  });
});
