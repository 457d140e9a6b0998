import { chown, mkdir, open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { collectWorkspaceReports } from "../reports";
import { MAX_RESULT_BYTES, withResults } from "../results";
import { ExecutorError, type ExecHandle, type ExecResult } from "../types";

/**
 * The local executor's `$GANTRY_RESULTS`: an empty directory per attempt, outside the workspace
 * (a clone into an empty workspace still works), that the task's uid may write; read once the
 * attempt is over, then removed.
 */
export async function prepareResultsDir(dir: string, owner: { uid?: number; gid?: number }): Promise<string> {
  try {
    await rm(dir, { recursive: true, force: true });
    // The parents keep the usual mode (a recursive mkdir would give them this one too): the sandbox's uid walks through them.
    await mkdir(path.dirname(dir), { recursive: true });
    await mkdir(dir, { mode: 0o700 });
    if (owner.uid !== undefined && owner.gid !== undefined) await chown(dir, owner.uid, owner.gid);
    return dir;
  } catch (e) {
    throw new ExecutorError(`cannot prepare the task's results directory ${dir}: ${(e as Error).message}`, false);
  }
}

/** The files a task wrote there (a little past the size limit of each, so an oversized one is told). */
async function readResultFiles(dir: string): Promise<{ name: string; content: string }[]> {
  const out: { name: string; content: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile()) continue;
    const fh = await open(path.join(dir, e.name), "r");
    try {
      const buf = Buffer.alloc(MAX_RESULT_BYTES + 2);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      out.push({ name: e.name, content: buf.subarray(0, bytesRead).toString("utf8") });
    } finally {
      await fh.close();
    }
  }
  return out;
}

/** Wraps an attempt: once it is over, its results are read (declared names only) and checked against the limits. */
export class ResultsHandle implements ExecHandle {
  constructor(
    private readonly inner: ExecHandle,
    private readonly dir: string,
    private readonly declared: readonly string[],
  ) {}

  get ref() {
    return this.inner.ref;
  }

  async wait(): Promise<ExecResult> {
    const r = await this.inner.wait();
    const files = await readResultFiles(this.dir);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    return withResults(r, files, this.declared);
  }

  cancel(reason: string): void {
    this.inner.cancel(reason);
  }
}

/** Wraps an attempt: once it is over, the test reports it declared are read from the workspace. */
export class ReportsHandle implements ExecHandle {
  constructor(
    private readonly inner: ExecHandle,
    private readonly workspace: string,
    private readonly globs: readonly string[],
  ) {}

  get ref() {
    return this.inner.ref;
  }

  async wait(): Promise<ExecResult> {
    const r = await this.inner.wait();
    const reports = await collectWorkspaceReports(this.workspace, this.globs).catch((e: unknown) => ({
      files: [],
      problems: [`test reports could not be read: ${(e as Error).message}`],
    }));
    return { ...r, reports };
  }

  cancel(reason: string): void {
    this.inner.cancel(reason);
  }
}
