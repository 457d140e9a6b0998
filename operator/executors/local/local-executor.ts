import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { ExecutorError, gantryEnv, type ExecHandle, type ExecTask, type Executor, type LogSink, type OrphanTask } from "../types";
import { LocalProcess } from "./local-process";
import { findTaskProcessGroup } from "./orphans";

export interface LocalExecutorOptions {
  /** Root of the per-run workspaces (absolute, or relative to the working directory). */
  workspacesDir: string;
  /** Time between SIGTERM and SIGKILL when a task times out or is stopped. */
  killGraceMs: number;
  /** Variables passed through from the operator's own environment; everything else stays out. */
  inherit?: readonly string[];
}

/** Only what a program needs to find its tools and speak the locale: no operator secrets. */
const INHERIT = ["PATH", "HOME", "LANG"] as const;

/**
 * Runs each task as a child process in its own process group, in a workspace directory shared by
 * the run's tasks (`<workspaces>/<runId>`).
 */
export class LocalExecutor implements Executor {
  readonly kind = "local" as const;
  private readonly root: string;
  private readonly host = hostname();

  constructor(private opts: LocalExecutorOptions) {
    this.root = path.resolve(opts.workspacesDir);
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
    const workspace = this.workspaceOf(task.runId);
    try {
      await mkdir(workspace, { recursive: true });
    } catch (e) {
      throw new ExecutorError(`cannot create the workspace ${workspace}: ${(e as Error).message}`, false);
    }
    const inherited: Record<string, string> = {};
    for (const k of this.opts.inherit ?? INHERIT) if (process.env[k] !== undefined) inherited[k] = process.env[k]!;
    const env = { ...inherited, ...task.env, ...gantryEnv(task, workspace), GANTRY_METRICS_FILE: this.metricsFileOf(task) };
    Object.assign(env, await this.writeFiles(task));
    await mkdir(path.dirname(env.GANTRY_METRICS_FILE), { recursive: true }).catch(() => undefined);
    try {
      return new LocalProcess(argv, {
        cwd: workspace,
        env,
        sink,
        timeoutSeconds: task.plan.timeoutSeconds,
        killGraceMs: this.opts.killGraceMs,
        refPrefix: `local:${this.host}`,
      });
    } catch (e) {
      // spawn refuses some input outright (a NUL byte in an argument or a value): no retry helps.
      throw new ExecutorError(`cannot run '${argv[0]}': ${(e as Error).message}`, true);
    }
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

  filesDirOf(runId: string): string {
    return path.join(this.root, ".gantry-files", path.basename(this.workspaceOf(runId)));
  }

  async releaseRun(runId: string): Promise<void> {
    await rm(this.workspaceOf(runId), { recursive: true, force: true });
    await rm(this.filesDirOf(runId), { recursive: true, force: true });
  }
}
