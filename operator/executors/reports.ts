import { constants } from "node:fs";
import { open, readdir, lstat } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";
import type { ReportFile } from "@/server/reports/save";

/**
 * Test reports (`reports: {junit: [globs]}`): the files a task left in the workspace, collected
 * when it ends. The local executor reads them here; the Kubernetes task wrapper prints them
 * between markers (kubernetes/job-spec.ts) and the scheduler takes them out of the log
 * (scheduler/metrics-blocks.ts). Either way within the limits below: a report past them is
 * named in the log and skipped, and the task's status never depends on its reports.
 */

/** All of one task's reports together. */
export const MAX_REPORT_BYTES = 5 * 1024 * 1024;
/** Files one task may report. */
export const MAX_REPORT_FILES = 100;
export const REPORT_BEGIN = "::gantry-report::begin ";
export const REPORT_END = "::gantry-report::end";

export interface CollectedReports {
  files: ReportFile[];
  /** What was skipped and why, for the task's log. */
  problems: string[];
}

const hasGlob = (segment: string) => /[*?[]/.test(segment);

/**
 * The workspace's files matching the globs, as sh expands them (one directory level per `*`, no
 * dot files unless named), never through a symbolic link: a report cannot point the operator at a
 * file outside the workspace.
 */
export async function collectWorkspaceReports(workspace: string, globs: readonly string[]): Promise<CollectedReports> {
  const matched = new Set<string>();
  for (const g of globs) for (const p of await expand(workspace, g)) matched.add(p);
  const problems: string[] = [];
  const names = [...matched].sort();
  if (names.length > MAX_REPORT_FILES) {
    problems.push(`${names.length} test reports matched; only the first ${MAX_REPORT_FILES} are read`);
    names.length = MAX_REPORT_FILES;
  }
  const files: ReportFile[] = [];
  let total = 0;
  for (const name of names) {
    const r = await readReport(path.join(workspace, name), MAX_REPORT_BYTES - total);
    if (typeof r !== "string") {
      problems.push(`test report ${name} skipped: ${r.problem}`);
      continue;
    }
    files.push({ name, content: r });
    total += Buffer.byteLength(r);
  }
  return { files, problems };
}

async function expand(root: string, glob: string): Promise<string[]> {
  const segments = glob.split("/").filter((s) => s !== "" && s !== ".");
  let found = [""];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of found) {
      if (!hasGlob(segment)) {
        const rel = path.posix.join(dir, segment);
        const st = await lstat(path.join(root, rel)).catch(() => null);
        if (st && (last ? st.isFile() : st.isDirectory())) next.push(rel);
        continue;
      }
      const isMatch = picomatch(segment, { dot: segment.startsWith(".") });
      // Dirents say what an entry is without following it: a symlink is neither a file nor a directory here.
      for (const e of await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []))
        if ((last ? e.isFile() : e.isDirectory()) && isMatch(e.name)) next.push(path.posix.join(dir, e.name));
    }
    found = next;
  }
  return found.filter(Boolean);
}

/** The file's text, or why not; opened without following a link, in case it became one since. */
async function readReport(file: string, room: number): Promise<string | { problem: string }> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    return { problem: `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { problem: "not a regular file" };
    if (st.size > room) return { problem: `${st.size} bytes; a task's reports may have at most ${MAX_REPORT_BYTES} bytes together` };
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}
