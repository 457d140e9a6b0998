/**
 * The peer benchmark's report: a side-by-side table (printed, and written between markers in
 * docs/benchmarks.md) and a small hand-made SVG bar chart (docs/benchmarks-peer.svg).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Kind, PhaseResult } from "./harness";

export interface SystemResult {
  label: string;
  /** When this system was measured (a report may merge systems measured at different times). */
  date: string;
  version: string;
  settings: string;
  phases: Partial<Record<Kind, PhaseResult>>;
}

export interface Report {
  /** Which cluster set-up the figures are for ("default", "kcm-qps-100"): one block of the page each. */
  variant: string;
  date: string;
  machine: string;
  cluster: string;
  sizes: { runs: number; rate: number; burst: number };
  systems: SystemResult[];
}

type Row = [string, (p: PhaseResult) => string];

/** Infinity is a figure of a run that did not finish (or got no pod) within the phase's time limit. */
const fmt = (n: number, f: (n: number) => string) => (Number.isFinite(n) ? f(n) : n === Infinity ? "unfinished" : "n/a");
const ms = (n: number) => fmt(n, (x) => (x < 10_000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(1)} s`));
const s1 = (n: number) => fmt(n, (x) => `${x.toFixed(1)} s`);
const f2 = (n: number | undefined) => (n === undefined ? "0" : n.toFixed(2));
const VERBS = ["GET", "LIST", "WATCH", "CONNECT", "POST", "PUT", "PATCH", "DELETE", "APPLY"];

function rows(kind: Kind, systems: SystemResult[]): Row[] {
  const verbs = VERBS.filter((v) => systems.some((s) => (s.phases[kind]?.requestsPerTask[v] ?? 0) >= 0.005));
  return [
    ["runs succeeded / failed / unfinished", (p) => `${p.succeeded} / ${p.failed} / ${p.unfinished}`],
    ["submit → first pod created, p50", (p) => ms(p.firstPod.p50)],
    ["submit → first pod created, p99", (p) => ms(p.firstPod.p99)],
    ["submit → run finished, p50", (p) => ms(p.finish.p50)],
    ["submit → run finished, p99", (p) => ms(p.finish.p99)],
    ["  pods: created → Running, p50 / p99", (p) => `${ms(p.podStart.p50)} / ${ms(p.podStart.p99)}`],
    ["  pods: Running → Succeeded, p50 / p99", (p) => `${ms(p.podRun.p50)} / ${ms(p.podRun.p99)}`],
    ...(kind === "burst" ? ([["makespan (first submit → last run finished)", (p) => s1(p.makespan)]] as Row[]) : []),
    ["apiserver requests per task", (p) => f2(p.requestsPerTaskTotal)],
    ...verbs.map((v): Row => [`  of which ${v}`, (p) => f2(p.requestsPerTask[v])]),
    ["controller CPU", (p) => s1(p.controllerCpuSeconds)],
    ["control plane CPU (apiserver, etcd, kcm, scheduler, kwok)", (p) => s1(p.controlPlaneCpuSeconds)],
    ["controller peak RSS", (p) => `${Math.round(p.peakRssMiB)} MiB`],
    ["load average (1 min) during the phase", (p) => p.loadAverage.toFixed(1)],
  ];
}

function phaseTitle(kind: Kind, r: Report): string {
  return kind === "steady"
    ? `Steady load: ${r.sizes.runs} runs at ${r.sizes.rate} runs/s, each 2 stages × 3 tasks (${r.sizes.runs * 6} tasks)`
    : `Burst: ${r.sizes.burst} single-task runs submitted at once`;
}

/** The table as Markdown. */
export function markdown(r: Report): string {
  const out: string[] = [];
  for (const kind of ["steady", "burst"] as Kind[]) {
    const systems = r.systems.filter((s) => s.phases[kind]);
    if (!systems.length) continue;
    out.push(`**${phaseTitle(kind, r)}**`, "");
    out.push(`| measure | ${systems.map((s) => s.label).join(" | ")} |`);
    out.push(`| --- | ${systems.map(() => "---:").join(" | ")} |`);
    for (const [name, f] of rows(kind, systems)) out.push(`| ${name} | ${systems.map((s) => f(s.phases[kind]!)).join(" | ")} |`);
    out.push("");
  }
  return out.join("\n");
}

/** The table as plain text for the terminal. */
export function text(r: Report): string {
  const out: string[] = [];
  for (const kind of ["steady", "burst"] as Kind[]) {
    const systems = r.systems.filter((s) => s.phases[kind]);
    if (!systems.length) continue;
    out.push("", phaseTitle(kind, r));
    out.push(`  ${"".padEnd(58)}${systems.map((s) => s.label.padStart(20)).join("")}`);
    for (const [name, f] of rows(kind, systems))
      out.push(`  ${name.padEnd(58)}${systems.map((s) => f(s.phases[kind]!).padStart(20)).join("")}`);
    for (const s of systems)
      out.push(`  ${s.label}: most requests per task: ${s.phases[kind]!.topRequests.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  }
  return out.join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Horizontal bars, one panel per measure, one bar per system of every report. */
export function svg(reports: Report[]): string {
  const r = { date: reports[0].date, systems: reports.flatMap((x) => x.systems) };
  const colours = ["#2563eb", "#d97706", "#059669", "#7c3aed"];
  const panels: { title: string; unit: string; get: (s: SystemResult) => number }[] = [
    { title: "steady: submit → run finished, p50", unit: "ms", get: (s) => s.phases.steady?.finish.p50 ?? NaN },
    { title: "steady: submit → run finished, p99", unit: "ms", get: (s) => s.phases.steady?.finish.p99 ?? NaN },
    { title: "steady: submit → first pod, p99", unit: "ms", get: (s) => s.phases.steady?.firstPod.p99 ?? NaN },
    { title: "burst: makespan", unit: "s", get: (s) => s.phases.burst?.makespan ?? NaN },
    { title: "steady: apiserver requests per task", unit: "", get: (s) => s.phases.steady?.requestsPerTaskTotal ?? NaN },
    {
      title: "steady + burst: controller CPU",
      unit: "s",
      get: (s) => (s.phases.steady?.controllerCpuSeconds ?? 0) + (s.phases.burst?.controllerCpuSeconds ?? 0),
    },
  ];
  const width = 720;
  const barH = 16;
  const labelW = 150;
  const panelH = 26 + r.systems.length * (barH + 4) + 10;
  const parts: string[] = [];
  panels.forEach((p, i) => {
    const y0 = 40 + i * panelH;
    const values = r.systems.map(p.get);
    const max = Math.max(...values.filter(Number.isFinite), 1e-9);
    parts.push(`<text x="10" y="${y0 + 14}" font-weight="600">${esc(p.title)}</text>`);
    r.systems.forEach((s, j) => {
      const y = y0 + 24 + j * (barH + 4);
      const v = values[j];
      const w = Number.isFinite(v) ? Math.max(1, (v / max) * (width - labelW - 110)) : 0;
      const shown = p.unit === "ms" ? ms(v) : fmt(v, (x) => `${x.toFixed(p.unit === "s" ? 1 : 2)}${p.unit ? ` ${p.unit}` : ""}`);
      parts.push(
        `<text x="${labelW - 6}" y="${y + barH - 4}" text-anchor="end">${esc(s.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colours[j % colours.length]}"/>`,
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + barH - 4}">${esc(shown)}</text>`,
      );
    });
  });
  const height = 40 + panels.length * panelH + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="700">${esc(`Gantry and Tekton on the kwok test cluster (${r.date.slice(0, 10)}; shorter is better)`)}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

export const SECTION = "## Peer benchmark: Gantry and Tekton";
const start = (variant: string) => `<!-- bench:peer:start ${variant} (written by npm run bench:peer) -->`;
const END = "<!-- bench:peer:end -->";

/**
 * Writes the report's figures between its variant's markers in the section, creating the file,
 * the section or the block as needed; other blocks, the section's prose and other sections stay.
 */
export function writeDoc(file: string, r: Report) {
  const START = start(r.variant);
  const body = [
    START,
    "",
    `On ${r.machine}; ${r.cluster}.`,
    "",
    "| system | version | settings | measured |",
    "| --- | --- | --- | --- |",
    ...r.systems.map((s) => `| ${s.label} | ${s.version} | ${s.settings} | ${s.date} |`),
    "",
    markdown(r),
    END,
  ].join("\n");
  let doc = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const at = doc.indexOf(START);
  if (at >= 0 && doc.indexOf(END, at) > at) {
    doc = doc.slice(0, at) + body + doc.slice(doc.indexOf(END, at) + END.length);
  } else {
    if (!doc.includes(SECTION)) doc = `${doc.trimEnd()}\n\n${SECTION}\n`;
    const from = doc.indexOf(SECTION) + SECTION.length;
    const next = doc.indexOf("\n## ", from);
    const end = next < 0 ? doc.length : next;
    doc = `${doc.slice(0, end).trimEnd()}\n\n${body}\n${doc.slice(end)}`;
  }
  writeFileSync(file, doc.trimEnd() + "\n");
}
