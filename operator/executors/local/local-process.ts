import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import { exitMessage } from "@/lib/exit-message";
import type { ExecHandle, ExecResult, LogSink } from "../types";
import { processGroupMembers } from "./orphans";

/** After the main process exits, how long stray holders of its stdout may keep us waiting. */
const STDIO_DRAIN_MS = 2000;

export interface LocalProcessOptions {
  cwd: string;
  env: Record<string, string>;
  sink: LogSink;
  timeoutSeconds: number;
  killGraceMs: number;
  refPrefix: string;
  /** Switch to this uid/gid before exec (a root operator starting the sandbox as the task user). */
  uid?: number;
  gid?: number;
  /**
   * The group leader supervises the task rather than being it (bwrap): a stop's SIGTERM goes to
   * the rest of the group, so the task gets its grace and the leader reports how it ended; the
   * SIGKILL after the grace still goes to everyone.
   */
  supervisedByLeader?: boolean;
  /** Written to the child's descriptor 3, then closed (the sandbox's arguments that must not be in argv). */
  fd3?: Buffer;
}

/**
 * One attempt as a child process. It leads its own process group (`detached`), so a timeout or a
 * cancel reaches everything it started; when the main process exits, what it left behind in its
 * group is killed too, as when a container ends.
 */
export class LocalProcess implements ExecHandle {
  readonly ref: string;
  private readonly child: ChildProcess;
  private readonly done: Promise<ExecResult>;
  private finish!: (r: ExecResult) => void;
  private finished = false;
  private exited = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private spawnError: NodeJS.ErrnoException | null = null;
  private timedOut = false;
  private cancelReason: string | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private paused = false;

  constructor(
    private argv: readonly string[],
    private opts: LocalProcessOptions,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv,
      detached: true,
      stdio: opts.fd3 ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    this.ref = `${opts.refPrefix}:${this.child.pid ?? "not-started"}`;
    const fd3 = this.child.stdio[3] as Writable | null | undefined;
    if (opts.fd3 && fd3) {
      fd3.on("error", () => undefined); // EPIPE: the child ended first, and says why itself
      fd3.end(opts.fd3);
    }
    // Both are pipes (stdio above), so both are there.
    this.child.stdout?.on("data", (d: Buffer) => this.output("out", d));
    this.child.stderr?.on("data", (d: Buffer) => this.output("err", d));
    this.child.on("error", (e: NodeJS.ErrnoException) => {
      // Spawn failures (no such program) come here without a pid and without "exit".
      if (this.child.pid === undefined) {
        this.spawnError = e;
        this.settle();
      }
    });
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      this.exit = { code, signal };
      this.clearTimers();
      this.killGroup("SIGKILL"); // leftovers of the task; the group is gone when there are none
      // Output a stray process still holds open (it left the group) must not hang the task.
      const drain = () => {
        if (this.paused) return void (this.drainTimer = setTimeout(drain, STDIO_DRAIN_MS)); // still reading what it wrote
        this.child.stdout?.destroy();
        this.child.stderr?.destroy();
        this.settle();
      };
      this.drainTimer = setTimeout(drain, STDIO_DRAIN_MS);
    });
    this.child.on("close", () => this.settle());
    if (this.child.pid !== undefined) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        this.terminate();
      }, opts.timeoutSeconds * 1000);
    }
  }

  wait(): Promise<ExecResult> {
    return this.done;
  }

  cancel(reason: string): void {
    if (this.finished || this.exited || this.cancelReason !== null) return;
    this.cancelReason = reason;
    this.terminate();
  }

  private output(stream: "out" | "err", d: Buffer) {
    this.opts.sink.write(stream, d);
    // Backpressure: a task printing faster than the log store takes it waits on its pipe.
    if (this.opts.sink.full && !this.paused) {
      this.paused = true;
      this.child.stdout?.pause();
      this.child.stderr?.pause();
      void this.opts.sink.waitForRoom().then(() => {
        this.paused = false;
        this.child.stdout?.resume();
        this.child.stderr?.resume();
      });
    }
  }

  private terminate() {
    if (this.exited) return;
    if (this.opts.supervisedByLeader && this.child.pid !== undefined) {
      for (const pid of processGroupMembers(this.child.pid)) {
        if (pid === this.child.pid) continue;
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // gone meanwhile
        }
      }
    } else this.killGroup("SIGTERM");
    if (!this.killTimer) this.killTimer = setTimeout(() => this.killGroup("SIGKILL"), this.opts.killGraceMs);
  }

  private killGroup(signal: NodeJS.Signals) {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private clearTimers() {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.killTimer) clearTimeout(this.killTimer);
    this.timeoutTimer = this.killTimer = null;
  }

  private settle() {
    if (this.finished) return;
    const result = this.result();
    if (!result) return; // "close" can't come before "exit", but be sure
    this.finished = true;
    this.clearTimers();
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.finish(result);
  }

  /** How the process ended; null while it has neither failed to start nor exited. */
  private result(): ExecResult | null {
    if (this.spawnError) {
      const e = this.spawnError;
      const prog = this.argv[0];
      const message =
        e.code === "ENOENT"
          ? `cannot run '${prog}': program not found (is it installed and on the PATH?)`
          : e.code === "EACCES"
            ? `cannot run '${prog}': permission denied`
            : `cannot run '${prog}': ${e.message}`;
      return { exitCode: null, signal: null, timedOut: false, cancelled: false, message, permanent: true };
    }
    if (!this.exit) return null;
    const { code, signal } = this.exit;
    const base = {
      exitCode: code,
      signal: signal ?? null,
      timedOut: this.timedOut,
      cancelled: this.cancelReason !== null,
      permanent: false,
    };
    if (this.timedOut) return { ...base, message: `timed out after ${this.opts.timeoutSeconds}s` };
    if (this.cancelReason !== null) return { ...base, message: this.cancelReason };
    return { ...base, message: exitMessage(code, signal) };
  }
}
