import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { testEnv, uniqueName } from "./api-helpers";

/** The `gantry` CLI end to end, as a user runs it: a child process against the running stack. */

const home = mkdtempSync(path.join(tmpdir(), "gantry-cli-"));
const config = path.join(home, "config.json");

function gantry(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.resolve("bin/gantry.mjs"), ...args], {
      env: { ...process.env, GANTRY_URL: "", GANTRY_TOKEN: "", GANTRY_CONFIG: config, NO_COLOR: "1", ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(opts.stdin ?? "");
  });
}

const spec = (name: string, script: string) => ({
  name,
  params: [{ name: "WHO", default: "world" }],
  stages: [
    { name: "build", tasks: [{ name: "greet", template: "shell", params: { script } }] },
    { name: "test", tasks: [{ name: "check", template: "shell", params: { script: "echo checked" } }] },
  ],
});

let name: string;
let file: string;

beforeAll(async () => {
  const { url, token } = testEnv();
  const r = await gantry(["login", "--url", url], { stdin: token + "\n" });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  name = uniqueName("cli");
  file = path.join(home, "pipeline.yaml");
  writeFileSync(file, stringify(spec(name, 'echo "hello $WHO"; echo "to stderr" >&2')));
});

describe("gantry CLI", () => {
  it("logs in with the token on stdin and keeps it readable by the user only", () => {
    const saved = JSON.parse(readFileSync(config, "utf8"));
    expect(saved.url).toBe(testEnv().url);
    expect(statSync(config).mode & 0o777).toBe(0o600);
  });

  it("refuses a bad token at login, saying so", async () => {
    const r = await gantry(["login", "--url", testEnv().url, "--token", "gtr_wrong"], {
      env: { GANTRY_CONFIG: path.join(home, "other.json") },
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/invalid or revoked API token/);
  });

  it("applies a pipeline: created, then unchanged, then a new version", async () => {
    const first = await gantry(["pipelines", "apply", "-f", file, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ name, created: true, version: 1 });
    const again = await gantry(["pipelines", "apply", "-f", file]);
    expect(again.stdout).toMatch(/unchanged \(version 1\)/);
    writeFileSync(file, stringify(spec(name, 'echo "hello $WHO"; echo "to stderr" >&2; echo v2')));
    const changed = await gantry(["pipelines", "apply", "-f", file, "-m", "from the CLI"]);
    expect(changed.stdout).toMatch(`Saved ${name} version 2`);
    const ls = await gantry(["pipelines", "ls"]);
    expect(ls.stdout).toMatch(new RegExp(`${name}\\s+default\\s+v2`));
  });

  it("reports a spec error with its path and line", async () => {
    const bad = path.join(home, "bad.yaml");
    writeFileSync(bad, `name: ${name}-bad\nstages:\n  - name: s\n    tasks:\n      - name: t\n        template: no-such-template\n`);
    const r = await gantry(["pipelines", "apply", "-f", bad]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/template.*\(line 6\).*no-such-template/s);
  });

  it("runs with --follow: streams every task's log live and exits with the run's result", async () => {
    const r = await gantry(["run", name, "--param", "WHO=cli", "--follow"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("[build/greet] hello cli");
    expect(r.stderr).toContain("[build/greet] to stderr");
    expect(r.stdout).toContain("[test/check] checked");
    expect(r.stdout).toMatch(new RegExp(`${name} #\\d+ succeeded`));
  });

  it("exits 1 when the run fails, naming the failed task", async () => {
    const failing = path.join(home, "failing.yaml");
    const fname = uniqueName("cli-fail");
    writeFileSync(
      failing,
      stringify({
        name: fname,
        stages: [{ name: "s", tasks: [{ name: "boom", template: "shell", params: { script: "echo about to fail; exit 7" } }] }],
      }),
    );
    expect((await gantry(["pipelines", "apply", "-f", failing])).code).toBe(0);
    const r = await gantry(["run", fname, "--follow"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[s/boom] about to fail");
    expect(r.stdout).toMatch(/s\/boom: failed \(exit 7\)/);
  });

  it("lists runs and prints a task's log, as text and as JSON", async () => {
    const ls = await gantry(["runs", "ls", "--pipeline", name, "--json"]);
    expect(ls.code, ls.stderr).toBe(0);
    const items = JSON.parse(ls.stdout);
    expect(items[0]).toMatchObject({ pipelineName: name, status: "succeeded" });
    const human = await gantry(["runs", "ls", "--pipeline", name]);
    expect(human.stdout).toMatch(new RegExp(`${name}\\s+#1\\s+succeeded\\s+api`));
    const run = JSON.parse((await gantry(["run", name, "--json"])).stdout);
    const view = await (
      await fetch(`${testEnv().url}/api/v1/runs/${run.id}`, { headers: { authorization: `Bearer ${testEnv().token}` } })
    ).json();
    const greet = view.stages[0].tasks[0].id;
    const followed = await gantry(["logs", greet, "-f"]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain("hello world");
    const json = JSON.parse((await gantry(["logs", greet, "--json"])).stdout);
    expect(json.map((l: { text: string }) => l.text)).toContain("hello world");
  });

  it("says what is wrong with the command line (exit 2)", async () => {
    const r = await gantry(["run", name, "--param", "novalue"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--param must look like KEY=VALUE/);
    const missing = await gantry(["run", "no-such-pipeline-anywhere"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no pipeline 'no-such-pipeline-anywhere'/);
    const out = await gantry(["pipelines", "ls"], { env: { GANTRY_CONFIG: path.join(home, "none.json") } });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/not logged in/);
  });

  it("manages users: create with a password from stdin, list, disable, enable, unlock, delete only with --yes", async () => {
    const user = uniqueName("cli-user");
    const created = await gantry(["users", "create", user, "--name", "CLI User", "--password-stdin"], { stdin: "cli-user-password-123\n" });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`Created user ${user} \\(user, id `));
    const ls = JSON.parse((await gantry(["users", "ls", "--json"])).stdout);
    expect(ls.find((u: { username: string }) => u.username === user)).toMatchObject({ name: "CLI User", role: "user", disabled: false });
    const human = await gantry(["users", "ls"]);
    expect(human.stdout).toMatch(new RegExp(`${user}\\s+CLI User\\s+user\\s+active\\s+never`));

    const disabled = await gantry(["users", "disable", user]);
    expect(disabled.stdout).toContain(`Disabled ${user}; their sessions and tokens stopped working.`);
    expect((await gantry(["users", "ls"])).stdout).toMatch(new RegExp(`${user}\\s+CLI User\\s+user\\s+disabled`));
    expect((await gantry(["users", "enable", user])).stdout).toContain(`Enabled ${user}.`);
    const unlock = await gantry(["users", "unlock", user]);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toContain(`${user} was not locked`);

    const unconfirmed = await gantry(["users", "delete", user]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(`users delete removes '${user}' for good: add --yes to confirm`);
    const deleted = await gantry(["users", "delete", user, "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await gantry(["users", "disable", user]);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain(`no user '${user}'`);
    const self = await gantry(["users", "delete", "admin", "--yes"]);
    expect(self.code).toBe(4);
    expect(self.stderr).toContain("you cannot delete your own account");
    const bad = await gantry(["users", "create", uniqueName("x"), "--role", "root"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--role must be 'admin' or 'user', got 'root'");
  });
});
