import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { FINAL_STATUSES } from "../lib/status";
import { ApiError, Client } from "./client";
import { configPath, readConfig, writeConfig } from "./config";
import { UsageError } from "./usage-error";
import { users, USERS_USAGE } from "./users";

/**
 * `gantry`: the command line for Gantry, through the REST API only. Human output by default,
 * `--json` for scripts. Exit codes: 0 ok (a run succeeded), 1 a run failed, 2 usage error,
 * 3 a run was cancelled, 4 the server refused or could not be reached.
 */

const USAGE = `Usage: gantry <command> [options]

  login [--url URL] [--token TOKEN]        save the server and an API token (token from stdin if omitted)
  pipelines ls [--project P]               list pipelines
  pipelines apply -f FILE [--project P] [-m MESSAGE]
                                           create the pipeline, or save a new version when it changed
  run PIPELINE [--project P] [--param K=V]... [--version N] [--follow]
                                           start a run (PIPELINE: name or id); --follow streams its
                                           logs and exits with the run's result
  logs TASK_RUN [-f] [--timestamps]        a task run's log; -f follows it live
  approve TASK_RUN [-m COMMENT]            approve a waiting manual-approval gate
  deny TASK_RUN [-m COMMENT]               deny it
  runs ls [--project P] [--pipeline NAME|ID] [--status S] [--limit N]
                                           recent runs, newest first
${USERS_USAGE}

  --json   machine-readable output        GANTRY_URL, GANTRY_TOKEN override the saved login
Exit codes: 0 ok, 1 run failed, 2 usage, 3 run cancelled, 4 API or connection error.`;

export { UsageError };

type Out = { log: (s: string) => void; err: (s: string) => void };
const out: Out = { log: (s) => process.stdout.write(s + "\n"), err: (s) => process.stderr.write(s + "\n") };

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const STATUS_COLOR: Record<string, number> = {
  succeeded: 32,
  failed: 31,
  cancelled: 33,
  running: 36,
  waiting: 35,
  queued: 90,
  skipped: 90,
};
const status = (s: string) => paint(STATUS_COLOR[s] ?? 0, s);

function client(): Client {
  const c = readConfig();
  if (!c) throw new UsageError(`not logged in: run 'gantry login --url <server> --token <token>' (or set GANTRY_URL and GANTRY_TOKEN)`);
  return new Client(c.url, c.token);
}

function table(rows: string[][]) {
  // eslint-disable-next-line no-control-regex
  const width = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ""))));
  for (const r of rows)
    out.log(
      r
        .map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(w[i] - width(c))))
        .join("  ")
        .trimEnd(),
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

interface PipelineRow {
  id: string;
  name: string;
  project: { slug: string };
  version: number;
  lastRun: { number: number; status: string; createdAt: string } | null;
}

async function findPipeline(c: Client, ref: string, project?: string): Promise<PipelineRow> {
  const q = project ? `?project=${encodeURIComponent(project)}` : "";
  const { items } = await c.get<{ items: PipelineRow[] }>(`/api/v1/pipelines${q}`);
  const byId = items.find((p) => p.id === ref);
  if (byId) return byId;
  const named = items.filter((p) => p.name === ref);
  if (named.length === 1) return named[0];
  if (named.length > 1)
    throw new UsageError(`'${ref}' is a pipeline in several projects (${named.map((p) => p.project.slug).join(", ")}): add --project`);
  throw new ApiError(404, "not_found", `no pipeline '${ref}'${project ? ` in project '${project}'` : ""} that you can see`);
}

// ---------------------------------------------------------------- commands

async function login(args: string[]) {
  const { values } = parseArgs({ args, options: { url: { type: "string" }, token: { type: "string" }, json: { type: "boolean" } } });
  const url = (values.url ?? process.env.GANTRY_URL ?? "").replace(/\/+$/, "");
  if (!url) throw new UsageError("login needs --url (the Gantry server, e.g. https://gantry.example.com)");
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must start with http:// or https://, got '${url}'`);
  const token = values.token ?? (process.stdin.isTTY ? "" : await readStdin());
  if (!token) throw new UsageError("login needs --token, or the token on standard input (create one under Settings → API tokens)");
  const c = new Client(url, token);
  const projects = await c.get<{ items: { slug: string; role: string }[] }>("/api/v1/projects");
  const file = writeConfig({ url, token });
  if (values.json) out.log(JSON.stringify({ url, config: file, projects: projects.items }));
  else out.log(`Logged in to ${url} (${projects.items.length} project${projects.items.length === 1 ? "" : "s"}); saved to ${file}`);
}

async function pipelines(args: string[]) {
  const [sub, ...rest] = args;
  const c = client();
  if (sub === "ls" || sub === "list") {
    const { values } = parseArgs({ args: rest, options: { project: { type: "string" }, json: { type: "boolean" } } });
    const q = values.project ? `?project=${encodeURIComponent(values.project)}` : "";
    const { items } = await c.get<{ items: PipelineRow[] }>(`/api/v1/pipelines${q}`);
    if (values.json) return out.log(JSON.stringify(items));
    if (items.length === 0) return out.log("No pipelines. Create one with 'gantry pipelines apply -f pipeline.yaml'.");
    table([
      ["NAME", "PROJECT", "VERSION", "LAST RUN", "ID"],
      ...items.map((p) => [
        p.name,
        p.project.slug,
        `v${p.version}`,
        p.lastRun ? `#${p.lastRun.number} ${status(p.lastRun.status)}` : "-",
        p.id,
      ]),
    ]);
    return;
  }
  if (sub === "apply") {
    const { values } = parseArgs({
      args: rest,
      options: {
        file: { type: "string", short: "f" },
        project: { type: "string" },
        message: { type: "string", short: "m" },
        json: { type: "boolean" },
      },
    });
    if (!values.file) throw new UsageError("pipelines apply needs -f <pipeline.yaml>");
    let text: string;
    try {
      text = values.file === "-" ? await readStdin() : readFileSync(values.file, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read ${values.file}: ${(e as Error).message}`);
    }
    let name: unknown;
    try {
      name = (parseYaml(text) as { name?: unknown } | null)?.name;
    } catch (e) {
      throw new UsageError(`${values.file} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    if (typeof name !== "string" || !name) throw new UsageError(`${values.file} has no 'name': a pipeline spec needs one`);
    const project = values.project;
    const q = project ? `?project=${encodeURIComponent(project)}` : "";
    const { items } = await c.get<{ items: PipelineRow[] }>(`/api/v1/pipelines${q}`);
    const existing = items.filter((p) => p.name === name && (!project || p.project.slug === project));
    if (existing.length > 1)
      throw new UsageError(`'${name}' exists in several projects (${existing.map((p) => p.project.slug).join(", ")}): add --project`);
    const msg = values.message ? `${q ? "&" : "?"}message=${encodeURIComponent(values.message)}` : "";
    let result: { id: string; version: number; created: boolean; changed: boolean };
    if (existing.length === 0) {
      const r = await c.request<{ id: string; version: number }>("POST", `/api/v1/pipelines${q}${msg}`, text, "application/yaml");
      result = { id: r.id, version: r.version, created: true, changed: true };
    } else {
      const cur = await c.get<{ source: string | null; version: number }>(`/api/v1/pipelines/${existing[0].id}`);
      if (cur.source === text) result = { id: existing[0].id, version: cur.version, created: false, changed: false };
      else {
        const r = await c.request<{ version: number }>(
          "PUT",
          `/api/v1/pipelines/${existing[0].id}?baseVersion=${cur.version}${values.message ? `&message=${encodeURIComponent(values.message)}` : ""}`,
          text,
          "application/yaml",
        );
        result = { id: existing[0].id, version: r.version, created: false, changed: true };
      }
    }
    if (values.json) return out.log(JSON.stringify({ name, ...result }));
    out.log(
      result.created
        ? `Created pipeline ${name} (version 1, id ${result.id})`
        : result.changed
          ? `Saved ${name} version ${result.version}`
          : `${name} is unchanged (version ${result.version})`,
    );
    return;
  }
  throw new UsageError(`unknown command 'pipelines ${sub ?? ""}': use 'pipelines ls' or 'pipelines apply'`);
}

interface RunView {
  id: string;
  number: number;
  status: string;
  pipelineName: string;
  message: string | null;
  stages: { name: string; tasks: { id: string; name: string; status: string; exitCode: number | null; message: string | null }[] }[];
}

const FINAL = new Set<string>(FINAL_STATUSES);

async function run(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      project: { type: "string" },
      param: { type: "string", multiple: true, short: "p" },
      version: { type: "string" },
      follow: { type: "boolean", short: "f" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("run needs exactly one pipeline (name or id)");
  const params: Record<string, string> = {};
  for (const kv of values.param ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new UsageError(`--param must look like KEY=VALUE, got '${kv}'`);
    params[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && (!Number.isInteger(version) || version < 1))
    throw new UsageError(`--version must be a positive whole number, got '${values.version}'`);
  const c = client();
  const p = await findPipeline(c, positionals[0], values.project);
  const created = await c.request<{ id: string; number: number }>("POST", `/api/v1/pipelines/${p.id}/runs`, {
    params,
    ...(version ? { version } : {}),
  });
  if (!values.follow) {
    if (values.json) return out.log(JSON.stringify(created));
    out.log(`Started ${p.name} #${created.number} (run ${created.id}): ${c.url}/runs/${created.id}`);
    return;
  }
  if (!values.json) out.log(`Started ${p.name} #${created.number}: ${c.url}/runs/${created.id}`);
  const final = await follow(c, created.id, !!values.json);
  if (values.json) out.log(JSON.stringify(final));
  else {
    out.log("");
    for (const s of final.stages)
      for (const t of s.tasks)
        out.log(
          `  ${s.name}/${t.name}: ${status(t.status)}${t.exitCode !== null && t.exitCode !== 0 ? ` (exit ${t.exitCode})` : ""}${t.message && t.status !== "succeeded" ? ` — ${t.message}` : ""}`,
        );
    out.log(`${p.name} #${final.number} ${status(final.status)}${final.message ? `: ${final.message}` : ""}`);
  }
  process.exitCode = final.status === "succeeded" ? 0 : final.status === "cancelled" ? 3 : 1;
}

/** Streams the run's task logs as tasks start, until the run is over; returns the final run. */
async function follow(c: Client, runId: string, quiet: boolean): Promise<RunView> {
  const followed = new Map<string, Promise<void>>();
  const announced = new Set<string>();
  let last: RunView | null = null;
  const followTask = (stage: string, t: { id: string; name: string }) => {
    const prefix = paint(90, `[${stage}/${t.name}]`);
    return (async () => {
      for await (const e of c.events(`/api/v1/task-runs/${t.id}/logs`)) {
        if (e.event !== "message" || quiet) continue;
        const line = JSON.parse(e.data) as { stream: string; text: string };
        (line.stream === "err" ? out.err : out.log)(`${prefix} ${line.text}`);
      }
    })();
  };
  for await (const e of c.events(`/api/v1/runs/${runId}/events`)) {
    if (e.event === "run") {
      last = JSON.parse(e.data) as RunView;
      for (const s of last.stages)
        for (const t of s.tasks) {
          if (!followed.has(t.id) && (t.status === "running" || (FINAL.has(t.status) && t.status !== "skipped")))
            followed.set(t.id, followTask(s.name, t));
          if (t.status === "waiting" && !announced.has(t.id) && !quiet) {
            announced.add(t.id);
            out.log(`${paint(35, `[${s.name}/${t.name}]`)} waiting for approval: gantry approve ${t.id}`);
          }
        }
    }
    if (e.event === "end") break;
  }
  await Promise.all(followed.values());
  return last ?? (await c.get<RunView>(`/api/v1/runs/${runId}`));
}

async function logs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { follow: { type: "boolean", short: "f" }, timestamps: { type: "boolean" }, json: { type: "boolean" } },
  });
  if (positionals.length !== 1) throw new UsageError("logs needs one task run id (from 'gantry run --follow' or the run page)");
  const c = client();
  const id = encodeURIComponent(positionals[0]);
  if (!values.follow) {
    if (values.json) {
      const lines: unknown[] = [];
      for await (const e of c.events(`/api/v1/task-runs/${id}/logs?follow=true`)) if (e.event === "message") lines.push(JSON.parse(e.data));
      return out.log(JSON.stringify(lines));
    }
    const text = await c.request<string>("GET", `/api/v1/task-runs/${id}/logs${values.timestamps ? "?timestamps=true" : ""}`);
    process.stdout.write(String(text));
    return;
  }
  for await (const e of c.events(`/api/v1/task-runs/${id}/logs`)) {
    if (e.event === "end") {
      const end = JSON.parse(e.data) as { status: string };
      if (!values.json) out.err(paint(90, `-- task run ${status(end.status)}`));
      process.exitCode = end.status === "succeeded" ? 0 : end.status === "cancelled" ? 3 : 1;
      continue;
    }
    if (e.event !== "message") continue;
    const l = JSON.parse(e.data) as { ts: number; stream: string; text: string };
    if (values.json) out.log(e.data);
    else (l.stream === "err" ? out.err : out.log)(`${values.timestamps ? paint(90, new Date(l.ts).toISOString()) + " " : ""}${l.text}`);
  }
}

async function decide(decision: "approve" | "deny", args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { message: { type: "string", short: "m" }, json: { type: "boolean" } },
  });
  if (positionals.length !== 1) throw new UsageError(`${decision} needs one task run id (the waiting approval gate)`);
  const r = await client().request<Record<string, unknown>>("POST", `/api/v1/task-runs/${encodeURIComponent(positionals[0])}/approval`, {
    decision,
    comment: values.message ?? "",
  });
  if (values.json) return out.log(JSON.stringify(r));
  out.log(decision === "approve" ? "Approved." : "Denied.");
}

async function runs(args: string[]) {
  const [sub, ...rest] = args;
  if (sub !== "ls" && sub !== "list") throw new UsageError(`unknown command 'runs ${sub ?? ""}': use 'runs ls'`);
  const { values } = parseArgs({
    args: rest,
    options: {
      project: { type: "string" },
      pipeline: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const limit = values.limit ? Number(values.limit) : 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError("--limit must be a whole number from 1 to 100");
  const c = client();
  const q = new URLSearchParams({ perPage: String(limit) });
  if (values.project) q.set("project", values.project);
  if (values.status) q.set("status", values.status);
  if (values.pipeline) q.set("pipeline", (await findPipeline(c, values.pipeline, values.project)).id);
  const page = await c.get<{
    items: {
      id: string;
      number: number;
      status: string;
      pipelineName: string;
      trigger: string;
      createdBy: string | null;
      createdAt: string;
    }[];
    total: number;
  }>(`/api/v1/runs?${q}`);
  if (values.json) return out.log(JSON.stringify(page.items));
  if (page.items.length === 0) return out.log("No runs.");
  table([
    ["PIPELINE", "RUN", "STATUS", "TRIGGER", "BY", "CREATED", "ID"],
    ...page.items.map((r) => [
      r.pipelineName,
      `#${r.number}`,
      status(r.status),
      r.trigger,
      r.createdBy ?? "-",
      r.createdAt.replace("T", " ").slice(0, 19),
      r.id,
    ]),
  ]);
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "login":
        await login(rest);
        break;
      case "pipelines":
        await pipelines(rest);
        break;
      case "run":
        await run(rest);
        break;
      case "logs":
        await logs(rest);
        break;
      case "approve":
      case "deny":
        await decide(cmd, rest);
        break;
      case "runs":
        await runs(rest);
        break;
      case "users":
        await users(rest, { client, log: out.log, table, readStdin });
        break;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        out.log(USAGE);
        return cmd ? 0 : 2;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      out.err(`gantry: ${(e as Error).message}`);
      if (e instanceof UsageError && /unknown command/.test(e.message)) out.err("Run 'gantry help' for the commands.");
      return 2;
    }
    if (e instanceof ApiError) {
      out.err(`gantry: ${e.message}${e.status === 401 ? `\n(check the token saved in ${configPath()}, or run 'gantry login' again)` : ""}`);
      return 4;
    }
    out.err(`gantry: ${(e as Error).stack ?? String(e)}`);
    return 4;
  }
}
