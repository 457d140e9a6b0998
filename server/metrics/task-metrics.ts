/**
 * Metrics that tasks push themselves (docs/operations.md, "Metrics pushed by tasks"): a task
 * writes Prometheus text lines to the file named by `GANTRY_METRICS_FILE`, or prints them in its
 * output between `METRICS_BEGIN` and `METRICS_END` lines; when it ends, the operator parses them
 * (here), and exposes them on its metrics port with the run's labels added (`project`,
 * `pipeline`, `run`, `task`), for the last few runs of each pipeline.
 *
 * The input comes from user code, so it is validated hard: names and label names must be
 * Prometheus-valid, `gantry_` is reserved, the run labels can't be overridden, values must be
 * numbers, and a file gives at most `MAX_SAMPLES` samples. Bad lines are skipped with a reason,
 * not fatal: a task's own metrics never fail the task.
 */

/**
 * A line that is exactly this (trailing blanks aside) opens a block of metrics in a task's
 * output; the block's lines are taken out of the log (operator/scheduler/metrics-blocks.ts).
 * Kubernetes mode prints `GANTRY_METRICS_FILE` this way after the task (job-spec.ts).
 */
export const METRICS_BEGIN = "::gantry-metrics::begin";
export const METRICS_END = "::gantry-metrics::end";

export const MAX_SAMPLES = 100;
export const MAX_LABELS = 16;
export const MAX_FILE_BYTES = 256 * 1024;
const MAX_LABEL_VALUE = 256;
const MAX_NAME = 128;

/** Labels the operator adds; a task can't set them. */
export const RUN_LABELS = ["project", "pipeline", "run", "task"] as const;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "untyped", "histogram", "summary"]);

export interface TaskSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedTaskMetrics {
  samples: TaskSample[];
  /** Declared types by metric name (`# TYPE`); others are exposed as untyped. */
  types: Record<string, string>;
  /** Why lines were skipped (at most a few, for the task's log). */
  problems: string[];
  skipped: number;
}

/** Parses Prometheus text exposition lines (no timestamps kept: the scrape time is the sample's time). */
export function parseTaskMetrics(text: string): ParsedTaskMetrics {
  const out: ParsedTaskMetrics = { samples: [], types: {}, problems: [], skipped: 0 };
  const skip = (lineNo: number, why: string) => {
    out.skipped++;
    if (out.problems.length < 5) out.problems.push(`line ${lineNo}: ${why}`);
  };
  if (text.length > MAX_FILE_BYTES) {
    text = text.slice(0, MAX_FILE_BYTES);
    text = text.slice(0, text.lastIndexOf("\n") + 1);
    out.problems.push(`more than ${MAX_FILE_BYTES} bytes: the rest was ignored`);
  }
  // One value per series: the last line for the same name and labels wins.
  const byKey = new Map<string, TaskSample>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m && NAME.test(m[1]) && TYPES.has(m[2])) out.types[m[1]] = m[2];
      continue;
    }
    const r = parseSample(line);
    if (typeof r === "string") {
      skip(i + 1, r);
      continue;
    }
    const key = seriesKey(r.name, r.labels);
    if (!byKey.has(key) && byKey.size >= MAX_SAMPLES) {
      skip(i + 1, `more than ${MAX_SAMPLES} samples`);
      continue;
    }
    byKey.set(key, r);
  }
  out.samples = [...byKey.values()];
  // A type only for names that have samples (a histogram's base name covers _bucket/_sum/_count).
  const sampled = (name: string) => out.samples.some((s) => s.name === name || baseName(s.name) === name);
  out.types = Object.fromEntries(Object.entries(out.types).filter(([name]) => sampled(name)));
  return out;
}

function parseSample(line: string): TaskSample | string {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{.*\})?\s+(\S+)(\s+-?\d+)?\s*$/.exec(line);
  if (!m) return "not a sample line (name{labels} value)";
  const [, name, rawLabels, rawValue] = m;
  if (name.length > MAX_NAME) return `metric name longer than ${MAX_NAME} characters`;
  if (name.startsWith("gantry_")) return `'${name}': names starting with gantry_ are reserved`;
  const value = parseValue(rawValue);
  if (value === null) return `'${rawValue}' is not a number`;
  const labels = rawLabels ? parseLabels(rawLabels) : {};
  if (typeof labels === "string") return labels;
  return { name, labels, value };
}

function parseValue(s: string): number | null {
  if (s === "+Inf" || s === "Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** `{a="x",b="y\"z"}` → { a: "x", b: "y\"z" }, or a reason. */
function parseLabels(s: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  let i = 1;
  const end = s.length - 1;
  let n = 0;
  while (i < end) {
    while (i < end && (s[i] === " " || s[i] === ",")) i++;
    if (i >= end) break;
    const eq = s.indexOf("=", i);
    if (eq < 0) return "malformed labels";
    const key = s.slice(i, eq).trim();
    if (!LABEL.test(key) || key.startsWith("__")) return `invalid label name '${key.slice(0, 40)}'`;
    if ((RUN_LABELS as readonly string[]).includes(key)) return `label '${key}' is set by Gantry`;
    i = eq + 1;
    while (s[i] === " ") i++;
    if (s[i] !== '"') return "label values must be quoted";
    i++;
    let v = "";
    for (; i < end && s[i] !== '"'; i++) {
      if (s[i] === "\\" && i + 1 < end) {
        const c = s[++i];
        v += c === "n" ? "\n" : c;
      } else v += s[i];
    }
    if (s[i] !== '"') return "unterminated label value";
    i++;
    if (v.length > MAX_LABEL_VALUE) return `label value longer than ${MAX_LABEL_VALUE} characters`;
    if (key in labels) return `label '${key}' given twice`;
    labels[key] = v;
    if (++n > MAX_LABELS) return `more than ${MAX_LABELS} labels`;
  }
  return labels;
}

const baseName = (n: string) => n.replace(/_(bucket|sum|count|total|created)$/, "");
const seriesKey = (name: string, labels: Record<string, string>) =>
  name +
  "\u0000" +
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\u0000");

export const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

export function formatSample(name: string, labels: Record<string, string>, value: number): string {
  const ls = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${ls.length ? `{${ls.join(",")}}` : ""} ${formatValue(value)}\n`;
}

export interface TaskRunLabels {
  project: string;
  pipeline: string;
  run: string;
  task: string;
}

/**
 * The pushed metrics the operator exposes: those of the last `runsPerPipeline` runs of each
 * pipeline (a run's tasks all count as one run), so that the series of old runs go away and
 * the exposition stays bounded (at most pipelines × runs × tasks × MAX_SAMPLES, and
 * `maxSeries` overall; the oldest runs go first).
 */
export class TaskMetricsStore {
  /** Insertion order = age: the oldest entry first. */
  private entries = new Map<string, { labels: TaskRunLabels; parsed: ParsedTaskMetrics }>();

  constructor(
    private readonly runsPerPipeline = 5,
    private readonly maxSeries = 20_000,
  ) {}

  add(labels: TaskRunLabels, parsed: ParsedTaskMetrics) {
    if (parsed.samples.length === 0) return;
    const key = `${labels.project}\u0000${labels.pipeline}\u0000${labels.run}\u0000${labels.task}`;
    this.entries.delete(key);
    this.entries.set(key, { labels, parsed });
    this.evict();
  }

  get seriesCount(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.parsed.samples.length;
    return n;
  }

  private evict() {
    // Runs per pipeline, newest last (the order their tasks' metrics arrived).
    const runs = new Map<string, string[]>();
    for (const { labels } of this.entries.values()) {
      const p = `${labels.project}\u0000${labels.pipeline}`;
      const list = runs.get(p) ?? [];
      const i = list.indexOf(labels.run);
      if (i >= 0) list.splice(i, 1);
      list.push(labels.run);
      runs.set(p, list);
    }
    const dropped = new Set<string>();
    for (const [p, list] of runs)
      for (const r of list.slice(0, Math.max(0, list.length - this.runsPerPipeline))) dropped.add(`${p}\u0000${r}`);
    for (const [k, { labels }] of this.entries)
      if (dropped.has(`${labels.project}\u0000${labels.pipeline}\u0000${labels.run}`)) this.entries.delete(k);
    while (this.seriesCount > this.maxSeries && this.entries.size > 1) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Prometheus text: grouped by metric name, one TYPE line each (types that disagree: untyped). */
  render(): string {
    const byName = new Map<string, { type: string | null; lines: string[] }>();
    for (const { labels, parsed } of this.entries.values()) {
      for (const s of parsed.samples) {
        const family = familyOf(s.name, parsed.types);
        const declared = parsed.types[family] ?? "untyped";
        let g = byName.get(family);
        if (!g) byName.set(family, (g = { type: declared, lines: [] }));
        else if (g.type !== declared) g.type = "untyped";
        g.lines.push(formatSample(s.name, { ...s.labels, ...labels }, s.value));
      }
    }
    let out = "";
    for (const [name, g] of byName) {
      out += `# HELP ${name} Pushed by tasks (GANTRY_METRICS_FILE or a metrics block in the output).\n# TYPE ${name} ${g.type}\n`;
      // Samples of a family must be together; histogram parts are fine in any order within it.
      out += g.lines.join("");
    }
    return out;
  }
}

/** The family a sample belongs to: its histogram/summary base name when declared so, else itself. */
function familyOf(name: string, types: Record<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  if (base !== name && (types[base] === "histogram" || types[base] === "summary")) return base;
  return name;
}
