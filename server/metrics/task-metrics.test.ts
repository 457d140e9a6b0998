import { describe, expect, it } from "vitest";
import { MAX_SAMPLES, parseTaskMetrics, TaskMetricsStore } from "./task-metrics";

describe("parseTaskMetrics", () => {
  it("reads samples with labels, types and special values, and ignores timestamps and comments", () => {
    const p = parseTaskMetrics(
      [
        "# HELP build_seconds How long the build took",
        "# TYPE build_seconds gauge",
        "build_seconds 12.5",
        'tests_total{suite="unit",result="passed"} 120 1700000000000',
        'tests_total{suite="unit",result="failed"} 0',
        'weird{path="a\\"b\\\\c\\nd"} +Inf',
        "coverage_ratio 8.1e-1",
        "",
      ].join("\n"),
    );
    expect(p.problems).toEqual([]);
    expect(p.types).toEqual({ build_seconds: "gauge" });
    expect(p.samples).toEqual([
      { name: "build_seconds", labels: {}, value: 12.5 },
      { name: "tests_total", labels: { suite: "unit", result: "passed" }, value: 120 },
      { name: "tests_total", labels: { suite: "unit", result: "failed" }, value: 0 },
      { name: "weird", labels: { path: 'a"b\\c\nd' }, value: Infinity },
      { name: "coverage_ratio", labels: {}, value: 0.81 },
    ]);
  });

  it("skips invalid lines with a reason instead of failing", () => {
    const p = parseTaskMetrics(
      [
        "ok_metric 1",
        "1bad_name 1",
        "gantry_task_runs_total 5",
        'x{pipeline="evil"} 1',
        'x{run="1"} 1',
        "x not-a-number",
        'x{__name__="y"} 1',
        'x{a="1",a="2"} 1',
        "x{a=1} 1",
      ].join("\n"),
    );
    expect(p.samples.map((s) => s.name)).toEqual(["ok_metric"]);
    expect(p.skipped).toBe(8);
    expect(p.problems).toHaveLength(5);
    expect(p.problems[0]).toMatch(/^line 2: not a sample line/);
    expect(p.problems[1]).toMatch(/gantry_ are reserved/);
    expect(p.problems[2]).toMatch(/label 'pipeline' is set by Gantry/);
  });

  it("keeps the last value of a repeated series and caps the number of series", () => {
    const lines = ["dup 1", "dup 2"];
    for (let i = 0; i < MAX_SAMPLES + 10; i++) lines.push(`m{i="${i}"} ${i}`);
    const p = parseTaskMetrics(lines.join("\n"));
    expect(p.samples).toHaveLength(MAX_SAMPLES);
    expect(p.samples[0]).toEqual({ name: "dup", labels: {}, value: 2 });
    expect(p.skipped).toBe(11);
  });
});

describe("TaskMetricsStore", () => {
  const parsed = (text: string) => parseTaskMetrics(text);

  it("renders each family once with the run's labels", () => {
    const s = new TaskMetricsStore(5);
    s.add({ project: "default", pipeline: "build", run: "1", task: "compile" }, parsed("# TYPE build_seconds gauge\nbuild_seconds 3"));
    s.add({ project: "default", pipeline: "build", run: "1", task: "test" }, parsed('build_seconds 4\ntests{r="ok"} 7'));
    const out = s.render();
    expect(out.match(/# TYPE build_seconds/g)).toHaveLength(1);
    expect(out).toContain('build_seconds{project="default",pipeline="build",run="1",task="compile"} 3\n');
    expect(out).toContain('build_seconds{project="default",pipeline="build",run="1",task="test"} 4\n');
    expect(out).toContain('tests{r="ok",project="default",pipeline="build",run="1",task="test"} 7\n');
    // One task said gauge, the other nothing: the family is untyped.
    expect(out).toContain("# TYPE build_seconds untyped");
  });

  it("keeps the last N runs of each pipeline", () => {
    const s = new TaskMetricsStore(2);
    for (const run of ["1", "2", "3"]) s.add({ project: "p", pipeline: "a", run, task: "t" }, parsed("m 1"));
    s.add({ project: "p", pipeline: "b", run: "1", task: "t" }, parsed("m 1"));
    const out = s.render();
    expect(out).not.toContain('pipeline="a",run="1"');
    expect(out).toContain('pipeline="a",run="2"');
    expect(out).toContain('pipeline="a",run="3"');
    expect(out).toContain('pipeline="b",run="1"');
    expect(s.seriesCount).toBe(3);
  });

  it("groups histogram parts under their declared family", () => {
    const s = new TaskMetricsStore();
    s.add(
      { project: "x", pipeline: "p", run: "1", task: "t" },
      parsed(
        '# TYPE req_seconds histogram\nreq_seconds_bucket{le="1"} 2\nreq_seconds_bucket{le="+Inf"} 3\nreq_seconds_sum 2.5\nreq_seconds_count 3',
      ),
    );
    const out = s.render();
    expect(out).toMatch(
      /^# HELP req_seconds .*\n# TYPE req_seconds histogram\nreq_seconds_bucket\{le="1",project="x",pipeline="p",run="1",task="t"\} 2\n/,
    );
    expect(out).toContain('req_seconds_count{project="x",pipeline="p",run="1",task="t"} 3');
  });
});
