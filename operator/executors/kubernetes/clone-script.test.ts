import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GIT_CREDENTIAL_ENV } from "../clone-script";
import { CLONE_SCRIPT } from "./job-spec";

/**
 * The clone init container's script, run here with the real sh and git against a local
 * repository: the kwok test cluster runs no containers, so this is where its behaviour is shown.
 */

let root: string;
let repo: string;
let tagged: string;
let pullHead: string;
/** Only what git needs: no global config of whoever runs the tests. */
const env = (): NodeJS.ProcessEnv => {
  const vars: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: root,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@e",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@e",
  };
  return vars as NodeJS.ProcessEnv;
};
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: env(), encoding: "utf8" }).trim();

/** Runs the script as the init container does: `sh -c SCRIPT gantry-clone URL DIR REV` in the workspace. */
function clone(
  workspace: string,
  url: string,
  dir: string,
  rev: string,
  extra: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn("sh", ["-c", CLONE_SCRIPT, "gantry-clone", url, dir, rev], { cwd: workspace, env: { ...env(), ...extra } });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d));
    p.stderr.on("data", (d: Buffer) => (out += d));
    p.on("close", (code: number | null) => resolve({ code: code ?? -1, out }));
  });
}
const newWorkspace = () => mkdtempSync(path.join(root, "ws-"));

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "gantry-clone-"));
  repo = path.join(root, "repo");
  mkdirSync(repo);
  git(repo, "init", "--quiet", "-b", "main");
  writeFileSync(path.join(repo, "README"), "v1\n");
  git(repo, "add", "README");
  git(repo, "commit", "--quiet", "-m", "first");
  git(repo, "tag", "v1");
  tagged = git(repo, "rev-parse", "HEAD");
  git(repo, "checkout", "--quiet", "-b", "fork");
  writeFileSync(path.join(repo, "README"), "fork\n");
  git(repo, "commit", "--quiet", "-am", "from a fork");
  pullHead = git(repo, "rev-parse", "HEAD");
  // Only a pull request ref holds it, as on GitHub: a clone gets branches and tags, not refs/pull/*.
  git(repo, "update-ref", "refs/pull/1/head", pullHead);
  git(repo, "checkout", "--quiet", "main");
  git(repo, "branch", "--quiet", "-D", "fork");
  writeFileSync(path.join(repo, "README"), "v2\n");
  git(repo, "commit", "--quiet", "-am", "second");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("clone init container script", () => {
  it("clones the repository into the workspace and checks out the revision", async () => {
    const ws = newWorkspace();
    const r = await clone(ws, `file://${repo}`, "src", "v1");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`checked out ${tagged} (first)`);
    expect(git(path.join(ws, "src"), "rev-parse", "HEAD")).toBe(tagged);
  });

  it("fetches a commit that no branch or tag holds (a pull request from a fork), and names an unknown revision", async () => {
    const ws = newWorkspace();
    const r = await clone(ws, `file://${repo}`, "src", pullHead);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`checked out ${pullHead} (from a fork)`);
    const bad = await clone(newWorkspace(), `file://${repo}`, "src", "no-such-branch");
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/couldn't find remote ref no-such-branch/);
  });

  it("leaves the checkout alone for the run's later tasks", async () => {
    const ws = newWorkspace();
    expect((await clone(ws, `file://${repo}`, "src", "main")).code).toBe(0);
    writeFileSync(path.join(ws, "src", "build-output"), "made by the first task");
    const again = await clone(ws, `file://${repo}`, "src", "main");
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain("already holds this run's checkout");
    expect(existsSync(path.join(ws, "src", "build-output"))).toBe(true);
  });

  it("clones again over what a killed attempt left half done", async () => {
    const ws = newWorkspace();
    mkdirSync(path.join(ws, "src", ".git"), { recursive: true });
    writeFileSync(path.join(ws, "src", "junk"), "partial");
    const r = await clone(ws, `file://${repo}`, "src", "v1");
    expect(r.code, r.out).toBe(0);
    expect(existsSync(path.join(ws, "src", "junk"))).toBe(false);
    expect(git(path.join(ws, "src"), "rev-parse", "HEAD")).toBe(tagged);
  });

  it("clones once when parallel tasks of the run start together", async () => {
    const ws = newWorkspace();
    const results = await Promise.all([1, 2, 3].map(() => clone(ws, `file://${repo}`, "src", "main")));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(results.filter((r) => r.out.includes("checked out")).length).toBe(1);
  });

  it("never runs a URL or revision as shell: they are only ever git's arguments", async () => {
    const ws = newWorkspace();
    const r = await clone(ws, `file://${repo}"; touch pwned-url; "`, "src", "$(touch pwned-rev)");
    expect(r.code).not.toBe(0);
    expect(existsSync(path.join(ws, "pwned-url"))).toBe(false);
    const ok = await clone(ws, `file://${repo}`, "src2", "$(touch pwned-rev)");
    expect(ok.code).not.toBe(0);
    expect(existsSync(path.join(ws, "pwned-rev"))).toBe(false);
  });

  it("hands an ssh key to ssh as a 0600 file of its own, removed afterwards, and checks the host against the known hosts given", async () => {
    // A stand-in for ssh on the PATH: it reports what it was given, as far as git gets.
    const bin = mkdtempSync(path.join(root, "bin-"));
    const report = path.join(bin, "report");
    writeFileSync(
      path.join(bin, "ssh"),
      `#!/bin/sh\nkey=$2\n{ echo "args: $*"; echo "mode: $(stat -c %a "$key")"; echo "key: $(cat "$key")"; echo "hosts: $(cat "$(dirname "$key")/known_hosts")"; echo "dir: $(dirname "$key")"; } > ${report}\nexit 1\n`,
      { mode: 0o755 },
    );
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-secret-key-body\n-----END OPENSSH PRIVATE KEY-----";
    const r = await clone(newWorkspace(), "git@git.example.test:acme/web.git", "src", "main", {
      PATH: `${bin}:${process.env.PATH}`,
      [GIT_CREDENTIAL_ENV.sshKey]: key,
      [GIT_CREDENTIAL_ENV.knownHosts]: "git.example.test ssh-ed25519 AAAAC3Nza",
    });
    expect(r.code).not.toBe(0);
    const seen = readFileSync(report, "utf8");
    expect(seen).toContain("mode: 600");
    expect(seen).toContain(`key: ${key}`);
    expect(seen).toContain("hosts: git.example.test ssh-ed25519 AAAAC3Nza");
    expect(seen).toMatch(
      /args: -i \S+\/id -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=\S+\/known_hosts /,
    );
    expect(seen).not.toContain("secret-key-body\nargs");
    expect(seen.split("\n").find((l) => l.startsWith("args:"))).not.toContain("secret-key-body");
    const dir = /^dir: (.+)$/m.exec(seen)![1];
    expect(existsSync(dir), `${dir} should be gone once the clone ended`).toBe(false);
  });

  it("gives an https token to git through a credential helper that holds no value, and drops the user's own helpers", async () => {
    // `git credential fill` asks the same helpers a clone would; the script's environment is the clone's.
    const probe = CLONE_SCRIPT.replace(
      /\nif command -v flock[\s\S]*$/,
      "\nprintf 'protocol=https\\nhost=git.example.test\\n\\n' | git credential fill; env | grep '^GIT_CONFIG_VALUE_1='",
    );
    // The user's own helper (a `store` would write the token to disk) must not even be asked.
    const asked = path.join(root, "user-helper-asked");
    const userConfig = path.join(root, "user-gitconfig");
    writeFileSync(userConfig, `[credential]\n\thelper = "!f() { touch ${asked}; echo password=from-user-helper; }; f"\n`);
    const p = spawn("sh", ["-c", probe, "gantry-clone", "u", "d", "r"], {
      cwd: newWorkspace(),
      env: { ...env(), [GIT_CREDENTIAL_ENV.username]: "bot", [GIT_CREDENTIAL_ENV.password]: "tok-123456", GIT_CONFIG_GLOBAL: userConfig },
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d));
    p.stderr.on("data", (d: Buffer) => (out += d));
    await new Promise((r) => p.on("close", r));
    expect(out).toContain("username=bot\npassword=tok-123456");
    expect(existsSync(asked)).toBe(false);
    expect(out.split("\n").find((l) => l.startsWith("GIT_CONFIG_VALUE_1="))).not.toContain("tok-123456");
  });
});
