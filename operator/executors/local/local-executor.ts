import { existsSync } from "node:fs";
import { chown, mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { CLONE_SCRIPT, GIT_CREDENTIAL_ENV, GIT_TRUST_ENV, gitTrustEnv } from "../clone-script";
import {
  ExecutorError,
  gantryEnv,
  type ExecHandle,
  type ExecResult,
  type ExecTask,
  type Executor,
  type LogSink,
  type OrphanTask,
} from "../types";
import { LocalProcess } from "./local-process";
import { prepareResultsDir, ReportsHandle, ResultsHandle } from "./results-dir";
import type { ClusterAccess } from "./cluster-access";
import { findTaskProcessGroup } from "./orphans";
import {
  bwrapArgs,
  envArgs,
  existingHidden,
  findBwrap,
  pathDirsToShow,
  probeSandbox,
  reachableBy,
  spawnIdentity,
  type SandboxSettings,
} from "./sandbox";

export interface LocalExecutorOptions {
  /** Root of the per-run workspaces (absolute, or relative to the working directory). */
  workspacesDir: string;
  /** Time between SIGTERM and SIGKILL when a task times out or is stopped. */
  killGraceMs: number;
  /** Variables passed through from the operator's own environment; everything else stays out. */
  inherit?: readonly string[];
  /** How tasks are confined (docs/security.md); `SANDBOX_OFF` runs them as the operator's user. */
  sandbox: SandboxSettings;
  /** Kubeconfigs for tasks whose template needs cluster access; none: such tasks are refused. */
  clusterAccess?: ClusterAccess;
  /** Root of the pipelines' build caches (`<root>/<pipeline id>`, `$GANTRY_CACHE`); none: tasks get no cache. */
  cacheDir?: string;
}

/** Only what a program needs to find its tools and speak the locale: no operator secrets. */
const INHERIT = ["PATH", "HOME", "LANG"] as const;

/**
 * Runs each task as a child process in its own process group, in a workspace directory shared by
 * the run's tasks (`<workspaces>/<runId>`); in a bubblewrap sandbox unless that is turned off.
 */
export class LocalExecutor implements Executor {
  readonly kind = "local" as const;
  private readonly root: string;
  private readonly cacheRoot: string | null;
  private readonly host = hostname();
  private readonly bwrap: string | null;
  /** Set once the sandbox has been seen to work; a failed probe is retried by the next task. */
  private sandboxWorks = false;
  private rootFenced = false;

  constructor(private opts: LocalExecutorOptions) {
    this.root = path.resolve(opts.workspacesDir);
    this.cacheRoot = opts.cacheDir ? path.resolve(opts.cacheDir) : null;
    this.bwrap = opts.sandbox.mode === "off" ? null : findBwrap();
  }

  private get sandboxed(): boolean {
    return this.opts.sandbox.mode !== "off";
  }

  /** The task uid/gid to hand the workspace and the task's writable files to (none: the operator's own). */
  private get owner(): { uid?: number; gid?: number } {
    return this.sandboxed ? spawnIdentity(this.opts.sandbox) : {};
  }

  /** Refuses to run anything when the sandbox is required and cannot work here. */
  private async ensureSandbox(): Promise<void> {
    if (!this.sandboxed || this.sandboxWorks) return;
    await mkdir(this.root, { recursive: true }).catch(() => undefined);
    const problem = await probeSandbox(this.opts.sandbox, this.bwrap, this.root);
    if (problem) throw new ExecutorError(problem, true);
    this.sandboxWorks = true;
  }

  /** bwrap, which ensureSandbox has found before anything runs sandboxed. */
  private bwrapPath(): string {
    if (!this.bwrap) throw new ExecutorError("the sandbox is on but 'bwrap' was not found on the operator's PATH", true);
    return this.bwrap;
  }

  /** Makes a file or directory the task's own, so that the sandbox's uid can write it. */
  private async handOver(p: string): Promise<void> {
    const { uid, gid } = this.owner;
    if (uid !== undefined && gid !== undefined) await chown(p, uid, gid);
  }

  /**
   * A neutral package.json at the workspaces root: Node reads a file's module type from the
   * nearest package.json above it, and the default root lies inside Gantry's own checkout
   * (`"type": "module"`), so a checkout without its own package.json would have its `.js`
   * files read as ES modules. Written once; one the operator finds there is left alone. The
   * sandbox covers the root, so it binds this file back, read-only.
   */
  private get fencePath(): string {
    return path.join(this.root, "package.json");
  }

  private async fenceRoot(): Promise<void> {
    if (this.rootFenced) return;
    const file = this.fencePath;
    const body = {
      private: true,
      description: "Gantry's workspaces: keeps Node from reading the tasks' files as part of an enclosing package.",
    };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { flag: "wx" }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
    this.rootFenced = true;
  }

  workspaceOf(runId: string): string {
    // Run ids are UUIDs; refuse anything that could walk out of the root.
    if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new ExecutorError(`invalid run id '${runId}'`, true);
    return path.join(this.root, runId);
  }

  async start(task: ExecTask, sink: LogSink): Promise<ExecHandle> {
    const argv = task.plan.localCommand;
    if (!argv || argv.length === 0 || !argv[0]) {
      throw new ExecutorError(`template '${task.plan.template}' cannot run on the local executor (it needs Kubernetes)`, true);
    }
    await this.ensureSandbox();
    const workspace = this.workspaceOf(task.runId);
    try {
      await mkdir(workspace, { recursive: true });
      await this.fenceRoot();
      await this.handOver(workspace);
    } catch (e) {
      throw new ExecutorError(`cannot create the workspace ${workspace}: ${(e as Error).message}`, false);
    }
    const inherited: Record<string, string> = {};
    for (const k of this.opts.inherit ?? INHERIT) {
      const v = process.env[k];
      if (v !== undefined) inherited[k] = v;
    }
    // The operator's home is hidden in the sandbox: the private /tmp is the task's (as an image's HOME would be).
    if (this.sandboxed) inherited.HOME = "/tmp";
    // A forge's private CA (docs/repository.md): for the checkout and for a task that runs git itself.
    Object.assign(inherited, gitTrustEnv());
    const resultsDir = await prepareResultsDir(this.resultsDirOf(task), this.owner);
    const cache = await this.cacheOf(task);
    const env: Record<string, string> = {
      ...inherited,
      ...task.env,
      ...gantryEnv(task, workspace),
      GANTRY_METRICS_FILE: this.metricsFileOf(task),
      GANTRY_RESULTS: resultsDir,
      ...(cache ? { GANTRY_CACHE: cache } : {}),
    };
    Object.assign(env, await this.writeFiles(task));
    if (task.plan.clusterAccess) env.KUBECONFIG = await this.writeKubeconfig(task);
    await this.prepareMetricsFile(this.metricsFileOf(task));
    const reports = task.plan.reports?.junit;
    const withResults = (h: ExecHandle) => {
      const r = new ResultsHandle(h, resultsDir, task.plan.results ?? []);
      return reports ? new ReportsHandle(r, workspace, reports) : r;
    };
    const git = task.plan.source?.git;
    try {
      const opts = {
        cwd: workspace,
        env,
        sink,
        timeoutSeconds: task.plan.timeoutSeconds,
        killGraceMs: this.opts.killGraceMs,
        refPrefix: `local:${this.host}`,
      };
      // The program's last stderr line completes a bare "exit code N" (helm's or a template's reason).
      const tail = new ErrTail(sink);
      if (!git && !this.sandboxed)
        return withResults(new PreludeHandle(new LocalProcess(argv, { ...opts, sink: tail }), null, argv[0], tail));
      // What failed before the task's program could start is told through this file.
      const failed = await this.failureFile(task);
      let inner: string[];
      let procEnv = env;
      if (git) {
        sink.system(`checking out ${git.url} at ${git.revision} into ${git.dir}`);
        // The clone's credentials ride in the wrapper's environment, which the clone step keeps
        // (dropping all else) and the task's program does not get.
        const creds = cloneCredentialEnv(task);
        const keep = new Set<string>(["PATH", "HOME", ...GIT_TRUST_ENV, ...Object.keys(creds)]);
        const drop = Object.keys(env)
          .filter((k) => !keep.has(k))
          .join(" ");
        inner = ["sh", "-c", WITH_CHECKOUT, "gantry-checkout", CLONE_SCRIPT, failed, git.url, git.dir, git.revision, drop, ...argv];
        procEnv = { ...env, ...creds };
      } else {
        // bwrap says "execvp: No such file" with exit 1; this keeps the clear message and permanence.
        inner = ["sh", "-c", PROGRAM_CHECK, "gantry-run", failed, ...argv];
      }
      const proc = this.sandboxed
        ? new LocalProcess(
            [
              this.bwrapPath(),
              ...bwrapArgs(
                this.opts.sandbox,
                this.hidden(),
                {
                  workspace,
                  writableFiles: [failed, env.GANTRY_METRICS_FILE, resultsDir, ...(cache ? [cache] : [])],
                  readOnlyDirs: [this.filesDirOf(task.runId), this.fencePath, ...this.pathDirs(), ...this.trustPaths()],
                  root: task.plan.runAsRoot,
                },
                inner,
              ),
            ],
            {
              ...opts,
              ...this.owner,
              // bwrap's own environment: nothing of the task's but what finds an orphaned task (orphans.ts).
              env: { PATH: "/usr/bin:/bin", GANTRY_RUN_ID: task.runId, GANTRY_TASK: task.taskName },
              fd3: envArgs(procEnv),
              sink: tail,
              // bwrap can only be started from a directory the task uid may enter; it then goes to the workspace.
              cwd: "/",
              supervisedByLeader: true,
            },
          )
        : new LocalProcess(inner, { ...opts, env: procEnv, sink: tail });
      return withResults(new PreludeHandle(proc, failed, argv[0], tail));
    } catch (e) {
      if (e instanceof ExecutorError) throw e;
      // spawn refuses some input outright (a NUL byte in an argument or a value): no retry helps.
      throw new ExecutorError(`cannot run '${argv[0]}': ${(e as Error).message}`, true);
    }
  }

  /**
   * Paths the sandbox covers with an empty tmpfs: Gantry's state directory (keys, secrets, the
   * private database and its socket), every workspace and build cache (the task's own are bound
   * back), the log buffer, the operator's home, the system database's directories, and what the
   * server adds.
   */
  private hidden(): string[] {
    return existingHidden([...this.secretPaths(), ...this.homeCover()]);
  }

  /** What no task may see, whatever the PATH says. */
  private secretPaths(): string[] {
    const logBuffer = process.env.GANTRY_LOG_BUFFER_DIR;
    return [
      path.resolve(".gantry"),
      this.root,
      ...(this.cacheRoot ? [this.cacheRoot] : []),
      ...(logBuffer ? [path.resolve(logBuffer)] : []),
      "/run/mysqld",
      "/var/lib/mysql",
      ...this.opts.sandbox.hide,
    ].map((p) => path.resolve(p));
  }

  /** The private CA files git is told of (GIT_SSL_CAINFO…), shown read-only: the checkout and a task's own git use them. */
  private trustPaths(): string[] {
    return Object.values(gitTrustEnv())
      .map((p) => path.resolve(p))
      .filter((p) => existsSync(p));
  }

  private homeCover(): string[] {
    return process.env.HOME && process.env.HOME !== "/" ? [path.resolve(process.env.HOME)] : [];
  }

  /**
   * The operator's own PATH directories under /tmp or its home, shown read-only so the tools it
   * finds are the tools its tasks find. The operator's PATH, never the task's: a task must not
   * choose what of the home it sees.
   */
  private pathDirs(): string[] {
    if (!(this.opts.inherit ?? INHERIT).includes("PATH")) return [];
    const { uid = process.getuid?.() ?? 0, gid = process.getgid?.() ?? 0 } = this.owner;
    return pathDirsToShow(process.env.PATH ?? "", ["/tmp", ...this.homeCover()], this.secretPaths(), (d) => reachableBy(d, uid, gid));
  }

  /**
   * The pipeline's build cache for a task whose template keeps one (`plan.cache`): a directory
   * that outlives runs, the task uid's, the only one of the cache root the sandbox shows. Null
   * when the task wants none or the operator keeps none.
   */
  private async cacheOf(task: ExecTask): Promise<string | null> {
    if (!task.plan.cache || !this.cacheRoot || !task.pipelineId) return null;
    if (!/^[A-Za-z0-9_-]+$/.test(task.pipelineId)) throw new ExecutorError(`invalid pipeline id '${task.pipelineId}'`, true);
    const dir = path.join(this.cacheRoot, task.pipelineId);
    try {
      await mkdir(dir, { recursive: true });
      await this.handOver(dir);
      return dir;
    } catch (e) {
      throw new ExecutorError(`cannot prepare the build cache ${dir}: ${(e as Error).message}`, false);
    }
  }

  /** An empty metrics file the task may write (in the sandbox only existing files can be bound). */
  private async prepareMetricsFile(file: string): Promise<void> {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      if (!this.sandboxed) return;
      await writeFile(file, "", { mode: 0o600 });
      await this.handOver(file);
    } catch (e) {
      throw new ExecutorError(`cannot prepare the task's metrics file ${file}: ${(e as Error).message}`, false);
    }
  }

  /** Where the wrapper says what failed before the task could start: empty, the task uid's. */
  private async failureFile(task: ExecTask): Promise<string> {
    const dir = this.filesDirOf(task.runId);
    const file = path.join(dir, `checkout-${task.taskRunId.replace(/[^A-Za-z0-9_-]/g, "_")}-${task.attempt}`);
    try {
      await mkdir(dir, { recursive: true });
      await rm(file, { force: true });
      if (this.sandboxed) {
        await writeFile(file, "", { mode: 0o600 });
        await this.handOver(file);
      }
    } catch (e) {
      throw new ExecutorError(`cannot prepare the checkout in ${dir}: ${(e as Error).message}`, false);
    }
    return file;
  }

  /** Writes the plan's files (trigger event, commits) next to the workspaces; returns their env vars. */
  async writeFiles(task: ExecTask): Promise<Record<string, string>> {
    const files = task.plan.files ?? [];
    if (files.length === 0) return {};
    const dir = this.filesDirOf(task.runId);
    try {
      await mkdir(dir, { recursive: true });
      const env: Record<string, string> = {};
      for (const f of files) {
        const p = path.join(dir, path.basename(f.name));
        await writeFile(p, f.content);
        env[f.env] = p;
      }
      return env;
    } catch (e) {
      throw new ExecutorError(`cannot write the task's files to ${dir}: ${(e as Error).message}`, false);
    }
  }

  /** The task's kubeconfig of the project's deploy account, readable by the task alone; removed with the run's files. */
  private async writeKubeconfig(task: ExecTask): Promise<string> {
    if (!this.opts.clusterAccess)
      throw new ExecutorError(
        `template '${task.plan.template}' talks to the Kubernetes API, and this operator has no kubeconfig (KUBECONFIG) to get it a token with`,
        true,
      );
    const config = await this.opts.clusterAccess(task);
    const dir = this.filesDirOf(task.runId);
    const file = path.join(dir, `kubeconfig-${task.taskRunId.replace(/[^A-Za-z0-9_-]/g, "_")}-${task.attempt}`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(file, config, { mode: 0o600 });
      await this.handOver(file);
    } catch (e) {
      throw new ExecutorError(`cannot write the task's kubeconfig to ${dir}: ${(e as Error).message}`, false);
    }
    return file;
  }

  /**
   * Where the task may write Prometheus text lines for its own metrics (docs/operations.md):
   * next to the workspaces, not in one, so that a clone into an empty workspace still works.
   */
  metricsFileOf(task: { runId: string; taskRunId: string }): string {
    return path.join(this.root, ".gantry-metrics", `${task.taskRunId.replace(/[^A-Za-z0-9_-]/g, "_")}.prom`);
  }

  /** The task's metrics file (at most 256 KiB of it), removed once read; null when there is none. */
  async collectMetrics(task: { runId: string; taskRunId: string }): Promise<string | null> {
    const file = this.metricsFileOf(task);
    let fh;
    try {
      fh = await open(file, "r");
    } catch {
      return null;
    }
    try {
      const buf = Buffer.alloc(256 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      // The sandbox's file exists from the start: empty means the task wrote none.
      if (bytesRead === 0) return null;
      return buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await fh.close();
      await rm(file, { force: true });
    }
  }

  async reapOrphan(o: OrphanTask): Promise<boolean> {
    const m = /^local:(.+):(\d+)$/.exec(o.executorRef ?? "");
    if (!m || m[1] !== this.host) return false;
    const pgid = Number(m[2]);
    if ((await findTaskProcessGroup(pgid, o.runId, o.taskName)).length === 0) return false;
    try {
      process.kill(-pgid, "SIGKILL");
      return true;
    } catch {
      return false;
    }
  }

  /** `$GANTRY_RESULTS` of one attempt: in the run's files directory, removed with it. */
  resultsDirOf(task: { runId: string; taskRunId: string; attempt: number }): string {
    return path.join(this.filesDirOf(task.runId), `results-${task.taskRunId.replace(/[^A-Za-z0-9_-]/g, "_")}-${task.attempt}`);
  }

  filesDirOf(runId: string): string {
    return path.join(this.root, ".gantry-files", path.basename(this.workspaceOf(runId)));
  }

  async releaseRun(runId: string): Promise<void> {
    await rm(this.workspaceOf(runId), { recursive: true, force: true });
    await rm(this.filesDirOf(runId), { recursive: true, force: true });
  }
}

/** The clone's credentials (values of the project secrets the plan names) as the clone script reads them. */
function cloneCredentialEnv(task: ExecTask): Record<string, string> {
  const c = task.plan.source?.git?.credentials;
  const v = task.cloneSecrets ?? {};
  const out: Record<string, string> = {};
  if (!c) return out;
  if (c.username) out[GIT_CREDENTIAL_ENV.username] = c.username;
  for (const [field, name] of [
    ["password", c.secret],
    ["sshKey", c.sshKey],
    ["knownHosts", c.knownHosts],
  ] as const) {
    if (!name) continue;
    // The scheduler resolves every name the plan gives; cloning without one would fail less clearly.
    if (v[name] === undefined) throw new ExecutorError(`the value of secret '${name}' for the clone was not resolved`, true);
    out[GIT_CREDENTIAL_ENV[field]] = v[name];
  }
  return out;
}

/**
 * The run's checkout before the task, in the task's own process (one process group, one ref, one
 * timeout, one cancel): the clone init container's script, with the same arguments and with no
 * more environment than the container has (PATH, HOME and the clone's credentials; no params or
 * secrets: `$drop` names everything else), then `exec` of the task without the credentials.
 * Values are never in argv: `env -i NAME=value` would show them in the process list. What failed
 * first is written to a file, so a clone failure is told apart from the task's own.
 */
const WITH_CHECKOUT = [
  // Arguments: script, failure file, url, dir, revision, names to drop, then the task's argv.
  // Positional only: a shell variable would clash with a task's env of the same name.
  '( unset $6; export HOME="${HOME:-$PWD}"; exec sh -c "$1" gantry-clone "$3" "$4" "$5" ) || { s=$?; echo clone > "$2"; exit $s; }',
  "gantry_failed=$2",
  "shift 6",
  `unset ${Object.values(GIT_CREDENTIAL_ENV).join(" ")}`,
  // After the clone: the task's program may be a script of the checkout.
  'if ! command -v "$1" >/dev/null 2>&1; then echo program > "$gantry_failed"; exit 127; fi',
  'exec "$@"',
].join("\n");

/** Arguments: failure file, then the task's argv. The program check of WITH_CHECKOUT, alone. */
const PROGRAM_CHECK = [
  "gantry_failed=$1",
  "shift",
  'if ! command -v "$1" >/dev/null 2>&1; then echo program > "$gantry_failed"; exit 127; fi',
  'exec "$@"',
].join("\n");

/** Passes output on, keeping the end of stderr: git's reason when the clone fails. */
class ErrTail implements LogSink {
  private text = "";
  constructor(private readonly sink: LogSink) {}
  write(stream: "out" | "err", data: Buffer | string, ts?: number) {
    if (stream === "err") this.text = (this.text + data.toString()).slice(-2048);
    this.sink.write(stream, data, ts);
  }
  system(text: string) {
    this.sink.system(text);
  }
  get full() {
    return this.sink.full;
  }
  waitForRoom() {
    return this.sink.waitForRoom();
  }
  /** The last line written to stderr, without terminal colours, at most 300 characters. */
  lastLine(): string {
    const lines = this.text
      // eslint-disable-next-line no-control-regex -- terminal colour codes are what is removed
      .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const last = lines.pop() ?? "";
    return last.length > 300 ? `${last.slice(0, 299)}…` : last;
  }

  /** git's first `fatal:`/`error:` line (the cause; hints follow it), else the last line. */
  reason(): string {
    const lines = this.text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.pop() ?? "";
  }
}

/** An attempt whose wrapper (checkout, program check) may have failed before the task's program started. */
class PreludeHandle implements ExecHandle {
  constructor(
    private readonly proc: LocalProcess,
    /** The wrapper's failure file; null when the program runs without a wrapper. */
    private readonly failedFile: string | null,
    private readonly program: string,
    private readonly tail: ErrTail,
  ) {}

  get ref() {
    return this.proc.ref;
  }

  async wait(): Promise<ExecResult> {
    const r = await this.proc.wait();
    if (r.exitCode === 0 || r.cancelled || r.timedOut) return r;
    const failed = this.failedFile ? (await readFile(this.failedFile, "utf8").catch(() => "")).trim() : "";
    if (this.failedFile) await rm(this.failedFile, { force: true }).catch(() => undefined);
    if (failed === "program")
      return { ...r, message: `cannot run '${this.program}': program not found (is it installed and on the PATH?)`, permanent: true };
    // Worded as in Kubernetes mode, where the clone init container fails.
    if (failed === "clone") {
      const reason = this.tail.reason();
      return { ...r, message: `clone failed with exit code ${r.exitCode}${reason ? `: ${reason}` : ""}` };
    }
    const last = this.tail.lastLine();
    return last && r.message && /^exit code \d+$/.test(r.message) ? { ...r, message: `${r.message}: ${last}` } : r;
  }

  cancel(reason: string): void {
    this.proc.cancel(reason);
  }
}
