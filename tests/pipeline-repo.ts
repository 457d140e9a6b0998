import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { gitEnv } from "./git-env";

/**
 * A git repository on this host that holds a pipeline file, for pipeline-as-code tests: readable
 * by the web app (it fetches the file) and owned by the local sandbox's uid (tasks clone it).
 */
export class PipelineRepo {
  constructor(readonly dir: string) {
    this.git("init", "-q", "-b", "main");
  }

  get url() {
    return `file://${this.dir}`;
  }

  /** The repository is the sandbox's; this test's own commands name it safe. */
  git(...args: string[]): string {
    return execFileSync("git", ["-c", `safe.directory=*`, "-C", this.dir, ...args], { encoding: "utf8", env: gitEnv }).trim();
  }

  /** Commits `files` (path → text) as `author`; answers the commit's sha. */
  commit(message: string, files: Record<string, string>, author = "Dev"): string {
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(this.dir, name), text);
      this.git("add", name);
    }
    execFileSync("git", ["-c", "safe.directory=*", "-C", this.dir, "commit", "-q", "--allow-empty", "-m", message], {
      env: { ...gitEnv, GIT_AUTHOR_NAME: author, GIT_AUTHOR_EMAIL: `${author.toLowerCase()}@example.test` },
    });
    execFileSync("chown", ["-R", "65534:65534", this.dir]);
    return this.git("rev-parse", "HEAD");
  }
}

/** A pipeline file with one shell task that prints `text`. */
export const shellFile = (text: string, extra = "") =>
  `# kept in the repository\n${extra}stages:\n  - name: build\n    tasks:\n      - name: say\n        template: shell\n        params:\n          script: echo "${text}"\n`;
