import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadBuiltinTemplates } from "./catalog";

/**
 * The deploy templates' shell around helm and kubectl, run with stand-ins that record their
 * arguments: what reaches the tools and how the task ends. The real tools against a real API
 * server are in tests/deploy-templates.test.ts.
 */

const builtins = loadBuiltinTemplates();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "gantry-deploy-scripts-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for `name` that logs each call's arguments (one per line, calls separated by `--`) and runs `body`. */
function fakeTool(name: string, body = "") {
  const p = path.join(dir, "bin", name);
  spawnSync("mkdir", ["-p", path.dirname(p)]);
  writeFileSync(p, `#!/bin/sh\nprintf '%s\\n' "$@" >> "${dir}/${name}.log"\necho -- >> "${dir}/${name}.log"\n${body}\n`);
  chmodSync(p, 0o755);
}

/** Runs the template's command as compile would, each `{{params.x}}` standing for its value. */
function runTemplate(name: string, params: Record<string, string>) {
  const t = builtins.find((x) => x.name === name)!;
  const argv = [...t.command, ...t.args].map((a) => a.replace(/\{\{params\.(\w+)\}\}/g, (_, k: string) => params[k] ?? ""));
  const results = path.join(dir, "results");
  spawnSync("mkdir", ["-p", results]);
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: `${dir}/bin:/usr/bin:/bin`, GANTRY_RESULTS: results } as unknown as NodeJS.ProcessEnv,
  });
  const calls = (tool: string) =>
    readFileSync(path.join(dir, `${tool}.log`), "utf8")
      .split("--\n")
      .filter(Boolean)
      .map((c) => c.trimEnd().split("\n"));
  return { ...r, calls, result: (n: string) => readFileSync(path.join(results, n), "utf8") };
}

const helmParams = { release: "app", chart: "src/chart", namespace: "staging", timeout: "2m", valuesFile: "", set: "" };

describe("helm-deploy", () => {
  it("upgrades with --wait and --rollback-on-failure, without a values file when none is given, and reports the revision", () => {
    fakeTool("helm", 'case "$1" in status) echo "name: app"; echo "version: 3";; esac');
    const r = runTemplate("helm-deploy", helmParams);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls("helm")[0]).toEqual([
      "upgrade",
      "--install",
      "app",
      "src/chart",
      "--namespace",
      "staging",
      "--wait",
      "--rollback-on-failure",
      "--timeout",
      "2m",
    ]);
    expect(r.result("revision")).toBe("3");
  });

  it("passes the values file and one --set per line, a value with commas and spaces kept whole", () => {
    fakeTool("helm", 'case "$1" in status) echo "version: 1";; esac');
    const r = runTemplate("helm-deploy", { ...helmParams, valuesFile: "src/prod.yaml", set: "image.tag=abc1234\n\nnote=a, b c\n" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls("helm")[0].slice(10)).toEqual(["-f", "src/prod.yaml", "--set", "image.tag=abc1234", "--set", "note=a, b c"]);
  });

  it("fails saying the release was rolled back when the upgrade fails", () => {
    fakeTool(
      "helm",
      'case "$1" in upgrade) echo "Error: context deadline exceeded" >&2; exit 1;; history) printf -- "- app_version: 1.0\\n  revision: 4\\n";; esac',
    );
    const r = runTemplate("helm-deploy", helmParams);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("helm-deploy: the upgrade of release app failed and was rolled back (now at revision 4)");
  });
});

describe("kubectl-apply", () => {
  const params = { manifests: "src/k8s", namespace: "staging", rollout: "", timeout: "1m" };

  it("succeeds after applying when no rollout is asked for", () => {
    fakeTool("kubectl");
    const r = runTemplate("kubectl-apply", params);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls("kubectl")).toEqual([["apply", "-n", "staging", "-f", "src/k8s"]]);
  });

  it("waits for the rollout when asked, and fails when it does", () => {
    fakeTool("kubectl", 'case "$1" in rollout) exit 1;; esac');
    const r = runTemplate("kubectl-apply", { ...params, rollout: "deployment/app" });
    expect(r.status).toBe(1);
    expect(r.calls("kubectl")[1]).toEqual(["rollout", "status", "-n", "staging", "deployment/app", "--timeout=1m"]);
  });
});
