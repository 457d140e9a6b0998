import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogWriter } from "@/server/logs/writer";
import type { LogLine } from "@/server/logs/store";
import { parseTaskMetrics } from "@/server/metrics/task-metrics";
import { MetricsBlocks } from "@/operator/scheduler/metrics-blocks";
import { readReports } from "@/server/reports/save";
import { MAX_REPORT_BYTES, type CollectedReports } from "../reports";
import { buildJobToJob, MAIN_CONTAINER } from "./job-spec";
import { sampleBuildJob } from "./test-fixtures";

/**
 * The main container's metrics wrapper, run here with the real shells: the kwok test cluster
 * runs no containers, so this is where its behaviour is shown. The command is the one the Job
 * gets, with Kubernetes' `$$` → `$` undone as the kubelet would.
 */

/** Alpine's and kaniko's shell, when this machine has it: as `ash`, a name the wrapper knows. */
const busybox = ["/bin/busybox", "/usr/bin/busybox", ...(process.env.PATH ?? "").split(":").map((d) => path.join(d, "busybox"))].find((p) =>
  existsSync(p),
);
const shells = ["sh", "bash", ...(busybox ? ["ash"] : [])];
const shellPath = (shell: string) => (shell === "ash" ? path.join(root, "ash") : shell);

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "gantry-metrics-wrapper-"));
  if (busybox) symlinkSync(busybox, path.join(root, "ash"));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `[shell, -c, script]` as the main container would; SIGTERM goes to it (PID "1") once its output has `termOn`. */
function runTask(
  shell: string,
  script: string,
  opts: { termOn?: string; results?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; out: string; file: string }> {
  const job = buildJobToJob(sampleBuildJob({ plan: { ...sampleBuildJob().spec.plan, command: [shellPath(shell), "-c", script] } }));
  const main = job.spec!.template.spec!.containers.find((c) => c.name === MAIN_CONTAINER)!;
  const argv = main.command!.map((a) => a.replaceAll("$$", "$"));
  const file = path.join(mkdtempSync(path.join(root, "home-")), "metrics.prom");
  return new Promise((resolve) => {
    // Its own process group, stdin not a socket (bash would read ~/.bashrc, taking itself for sshd's).
    const p = spawn(argv[0], argv.slice(1), {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GANTRY_METRICS_FILE: file,
        ...(opts.results ? { GANTRY_RESULTS: opts.results } : {}),
        ...opts.env,
      } as unknown as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let code: number | null = null;
    let termed = false;
    const take = (d: Buffer) => {
      out += d;
      if (opts.termOn && !termed && out.includes(opts.termOn)) termed = p.kill("SIGTERM");
    };
    p.stdout.on("data", take);
    p.stderr.on("data", take);
    p.on("exit", (c) => {
      code = c;
      // When PID 1 ends, the container's other processes end with it (a task's leftover `sleep`).
      try {
        process.kill(-p.pid!, "SIGKILL");
      } catch {
        // none left
      }
    });
    p.on("close", () => resolve({ code, out, file }));
  });
}

async function throughOperator(
  out: string,
): Promise<{ log: string[]; metrics: string | null; results: { name: string; content: string }[]; reports: CollectedReports }> {
  const stored: LogLine[] = [];
  const writer = new LogWriter({ append: async (_id, l) => void stored.push(...l), read: async () => [], lastSeq: async () => 0 }, "tr");
  const blocks = new MetricsBlocks(writer);
  blocks.write("out", out, undefined, MAIN_CONTAINER);
  blocks.endOfOutput();
  const reports = blocks.takeReports();
  await writer.close();
  return { log: stored.map((l) => l.text), metrics: blocks.text(), results: blocks.takeResults(), reports };
}

describe.each(shells)("metrics wrapper run by %s", (shell) => {
  it("prints the task's metrics file as a block after the task and exits with the task's code", async () => {
    const r = await runTask(
      shell,
      [
        'echo "building"',
        'echo "artifact_bytes 123" >> "$GANTRY_METRICS_FILE"',
        `printf 'tests_total{result="ok"} 7' >> "$GANTRY_METRICS_FILE"`,
        "exit 3",
      ].join("\n"),
    );
    expect(r.code).toBe(3);
    expect(r.out).toBe('building\n::gantry-metrics::begin\nartifact_bytes 123\ntests_total{result="ok"} 7\n::gantry-metrics::end\n');
    // What the operator makes of it: the log keeps the task's own line, the block is metrics.
    const seen = await throughOperator(r.out);
    expect(seen.log).toEqual(["building"]);
    expect(parseTaskMetrics(seen.metrics!).samples).toEqual([
      { name: "artifact_bytes", labels: {}, value: 123 },
      { name: "tests_total", labels: { result: "ok" }, value: 7 },
    ]);
  });

  it("prints nothing more when the task wrote no metrics, and keeps success", async () => {
    const r = await runTask(shell, 'echo hi; : > "$GANTRY_METRICS_FILE"');
    expect(r).toMatchObject({ code: 0, out: "hi\n" });
    expect(await runTask(shell, "echo hi")).toMatchObject({ code: 0, out: "hi\n" });
  });

  it("passes SIGTERM on to the task (a deadline, a cancel), then prints what it wrote and keeps its code", async () => {
    const trapping = ['trap \'echo "stopped 1" >> "$GANTRY_METRICS_FILE"; exit 5\' TERM', "echo started", "sleep 30 & wait"].join("\n");
    const r = await runTask(shell, trapping, { termOn: "started" });
    expect(r.code).toBe(5);
    expect(r.out).toBe("started\n::gantry-metrics::begin\nstopped 1\n::gantry-metrics::end\n");
    // A task that does not handle TERM dies of it, and so does the container's exit code say.
    const plain = await runTask(shell, 'echo "partial 1" >> "$GANTRY_METRICS_FILE"; echo waiting; sleep 30', { termOn: "waiting" });
    expect(plain.code).toBe(143);
    // (dash and busybox say "Terminated" about the child on stderr, in no set order with stdout.)
    expect(plain.out.replace(/^Terminated\n/m, "")).toBe("waiting\n::gantry-metrics::begin\npartial 1\n::gantry-metrics::end\n");
  }, 20_000);

  it("makes $GANTRY_RESULTS and prints each result the task wrote as a block, which the operator takes out of the log", async () => {
    const results = path.join(mkdtempSync(path.join(root, "home-")), ".gantry-results");
    const r = await runTask(shell, 'echo built; echo "sha256:abc" > "$GANTRY_RESULTS/digest"; printf "a\\nb" > "$GANTRY_RESULTS/notes"', {
      results,
    });
    expect(r.code).toBe(0);
    const seen = await throughOperator(r.out);
    expect(seen.log).toEqual(["built"]);
    expect(seen.results).toEqual([
      { name: "digest", content: "sha256:abc" },
      { name: "notes", content: "a\nb" },
    ]);
  });

  it("prints the test reports the task's globs match in the workspace, which the operator takes out of the log and parses", async () => {
    const workspace = mkdtempSync(path.join(root, "workspace-"));
    const fixtures = path.join(import.meta.dirname, "../../../server/reports/fixtures");
    const script = [
      'cd "$GANTRY_WORKSPACE"',
      "mkdir -p reports other",
      `cp ${fixtures}/pytest.xml reports/pytest.xml`,
      `cp ${fixtures}/vitest.xml other/TEST-vitest.xml`,
      // A link out of the workspace is not a report; a file past the size limit is named and skipped.
      "ln -s /etc/passwd reports/link.xml",
      `head -c ${MAX_REPORT_BYTES + 1} /dev/zero > reports/zz-huge.xml`,
      "echo tested; exit 1",
    ].join("\n");
    const r = await runTask(shell, script, {
      env: { GANTRY_WORKSPACE: workspace, GANTRY_REPORTS: "reports/*.xml other/TEST-*.xml reports/missing-*.xml" },
    });
    // The task's code stands: reports never change it.
    expect(r.code).toBe(1);
    const seen = await throughOperator(r.out);
    expect(seen.log).toEqual([
      "tested",
      `gantry: test report reports/zz-huge.xml (${MAX_REPORT_BYTES + 1} bytes) skipped: a task's reports may have at most ${MAX_REPORT_BYTES} bytes together`,
    ]);
    expect(seen.reports.files.map((f) => f.name)).toEqual(["reports/pytest.xml", "other/TEST-vitest.xml"]);
    expect(seen.reports.files[0].content).toBe(readFileSync(path.join(fixtures, "pytest.xml"), "utf8"));
    const { cases, problems } = readReports(seen.reports.files);
    expect(problems).toEqual([]);
    expect(cases.filter((c) => c.status === "failed").map((c) => c.name)).toEqual([
      "test_sub",
      'math > multiplies <big> & "quoted" numbers',
      "strings > throws an error",
    ]);
  });
});
