import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { PhaseResult } from "./harness";
import { markdown, SECTION, svg, writeDoc, type Report } from "./report";

function phase(kind: "steady" | "burst", over: Partial<PhaseResult> = {}): PhaseResult {
  return {
    kind,
    runs: 10,
    tasks: kind === "steady" ? 60 : 10,
    succeeded: 10,
    failed: 0,
    unfinished: 0,
    submitSeconds: 2,
    firstPod: { p50: 120, p99: 340 },
    finish: { p50: 2500, p99: 4100 },
    podStart: { p50: 50, p99: 90 },
    podRun: { p50: 1000, p99: 1100 },
    makespan: 12.5,
    requestsPerTask: { GET: 1.5, POST: 3, PATCH: 2 },
    requestsPerTaskTotal: 6.5,
    topRequests: [["POST pods", 1]],
    controllerCpuSeconds: 4.2,
    controlPlaneCpuSeconds: 20,
    peakRssMiB: 300,
    loadAverage: 3.2,
    ...over,
  };
}

const report = (variant = "default"): Report => ({
  variant,
  date: "2026-12-07T18:00:00Z",
  machine: "2 CPUs",
  cluster: "kwok",
  sizes: { runs: 10, rate: 5, burst: 10 },
  systems: [
    {
      label: "Gantry",
      date: "2026-12-07T18:00:00Z",
      version: "Gantry 0.1.0",
      settings: "defaults",
      phases: { steady: phase("steady"), burst: phase("burst") },
    },
    {
      label: "Tekton <tuned>",
      date: "2026-12-07T18:00:00Z",
      version: "v1.6.0",
      settings: "tuned",
      phases: { steady: phase("steady", { makespan: NaN, unfinished: 2 }) },
    },
  ],
});

describe("the peer benchmark's report", () => {
  it("puts every system side by side, one column each, with the requests split by verb", () => {
    const md = markdown(report());
    expect(md).toContain("| measure | Gantry | Tekton <tuned> |");
    expect(md).toContain("| submit → run finished, p99 | 4100 ms | 4100 ms |");
    expect(md).toContain("| runs succeeded / failed / unfinished | 10 / 0 / 0 | 10 / 0 / 2 |");
    expect(md).toContain("|   of which PATCH | 2.00 | 2.00 |");
    expect(md).not.toContain("of which DELETE");
    // The burst table has only the system that ran it.
    expect(md).toContain("| makespan (first submit → last run finished) | 12.5 s |");
  });

  it("writes its section into docs/benchmarks.md and later replaces only its own figures", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "bench-peer-")), "benchmarks.md");
    writeDoc(file, report());
    const first = readFileSync(file, "utf8");
    expect(first.startsWith("# Benchmarks\n")).toBe(true);
    expect(first).toContain(SECTION);

    // Others add prose to the section and sections of their own; a new run keeps them.
    const edited = first.replace(SECTION, `${SECTION}\n\nHow to read it.`) + "\n## Scale\n\nTheirs.\n";
    writeFileSync(file, edited);
    writeDoc(file, { ...report(), machine: "a bigger machine" });
    const second = readFileSync(file, "utf8");
    expect(second).toContain("How to read it.");
    expect(second).toContain("## Scale\n\nTheirs.");
    expect(second).toContain("On a bigger machine");
    expect(second).not.toContain("On 2 CPUs");
    expect(second.split(SECTION).length).toBe(2);

    // A run on another cluster set-up adds a block of its own beside the first.
    writeDoc(file, { ...report("kcm-qps-100"), machine: "a third machine" });
    const third = readFileSync(file, "utf8");
    expect(third).toContain("On a bigger machine");
    expect(third).toContain("On a third machine");
    expect(third.indexOf("On a third machine")).toBeLessThan(third.indexOf("## Scale"));
  });

  it("draws a bar per system in each panel, escaping labels, and n/a for a missing figure", () => {
    const out = svg([report()]);
    expect(out.startsWith("<svg")).toBe(true);
    expect(out).toContain("Tekton &lt;tuned&gt;");
    expect(out).not.toContain("Tekton <tuned>");
    expect(out.match(/<rect x="150"/g)?.length).toBe(12); // 6 panels × 2 systems
    expect(out).toContain(">n/a<"); // Tekton's burst makespan
  });
});
