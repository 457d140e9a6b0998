import { and, desc, eq, gte, inArray, like, lte, or, type SQL } from "drizzle-orm";
import type { RunStatus } from "@/lib/status";
import type { DbOrTx } from "../db/client";
import { logChunks, pipelines, runs, taskRuns } from "../db/schema";
import type { ElasticsearchLogStore } from "./elasticsearch-store";
import { parseQuery, type SearchHit } from "./elasticsearch-query";
import type { LogStream } from "./store";

/**
 * Search across the logs of all runs. With Elasticsearch: full text (words in any order, all
 * required; "quoted phrases" in order), ranked, with the matched words marked. With the MySQL
 * store: a simpler scan — every word and phrase must appear as is (case-insensitive) in the line,
 * newest lines first, over the most recent `MYSQL_SCAN_CHUNKS` stored chunks that match.
 */

export interface LogSearchInput {
  q: string;
  /** Projects the caller may see (null: all, a site admin). */
  visibleProjectIds: string[] | null;
  /** One project (id), already checked against what the caller may see. */
  projectId?: string;
  pipeline?: string;
  status?: RunStatus;
  since?: Date;
  until?: Date;
  limit: number;
}

export interface LogSearchHit {
  taskRunId: string;
  taskName: string;
  runId: string;
  runNumber: number;
  runStatus: RunStatus;
  pipelineId: string;
  pipelineName: string;
  seq: number;
  ts: string;
  stream: LogStream;
  text: string;
  highlights: [number, number][];
  /** The run page with this task's log scrolled to the line. */
  url: string;
}

export interface LogSearchResult {
  engine: "elasticsearch" | "mysql";
  total: number;
  /** false: there are at least `total` matches (counting stops early). */
  totalIsExact: boolean;
  hits: LogSearchHit[];
}

const STATUS_RUN_LIMIT = 10_000;
const MYSQL_SCAN_CHUNKS = 2000;
/** Longest line text returned in a hit; the whole line is one click away. */
const HIT_CHARS = 2000;

/** A pipeline given by id or by name, among the projects searched (names are unique per project). */
async function pipelineIdOf(db: DbOrTx, p: string, projectIds: string[] | null): Promise<string | null> {
  const [r] = await db
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(and(or(eq(pipelines.id, p), eq(pipelines.name, p)), projectIds ? inArray(pipelines.projectId, projectIds) : undefined))
    .limit(1);
  return r?.id ?? null;
}

export async function searchLogs(db: DbOrTx, es: ElasticsearchLogStore | null, input: LogSearchInput): Promise<LogSearchResult> {
  const engine = es ? "elasticsearch" : "mysql";
  const empty: LogSearchResult = { engine, total: 0, totalIsExact: true, hits: [] };
  // The projects searched: the one asked for, else all the caller may see.
  const projectIds = input.projectId ? [input.projectId] : input.visibleProjectIds;
  if (projectIds && projectIds.length === 0) return empty;
  let pipelineId: string | undefined;
  if (input.pipeline) {
    const id = await pipelineIdOf(db, input.pipeline, projectIds);
    if (!id) return empty;
    pipelineId = id;
  }
  if (es) {
    let runIds: string[] | undefined;
    if (input.status) {
      // Run status changes after lines are written, so it is not in the index: the filter is
      // the most recent runs with that status.
      const conds: SQL[] = [eq(runs.status, input.status)];
      if (pipelineId) conds.push(eq(runs.pipelineId, pipelineId));
      else if (projectIds) conds.push(inArray(pipelines.projectId, projectIds));
      if (input.until) conds.push(lte(runs.createdAt, input.until));
      const rows = await db
        .select({ id: runs.id })
        .from(runs)
        .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
        .where(and(...conds))
        .orderBy(desc(runs.createdAt))
        .limit(STATUS_RUN_LIMIT);
      runIds = rows.map((r) => r.id);
      if (runIds.length === 0) return empty;
    }
    const r = await es.search({
      q: input.q,
      projectIds: projectIds ?? undefined,
      pipelineId,
      runIds,
      since: input.since?.getTime(),
      until: input.until?.getTime(),
      limit: input.limit,
    });
    return { engine, total: r.total, totalIsExact: r.totalIsExact, hits: await describe(db, r.hits, projectIds) };
  }
  return mysqlSearch(db, { ...input, pipelineId, projectIds });
}

/** Adds what a person needs to read a hit: pipeline, run number and status, task name, link. */
async function describe(db: DbOrTx, hits: SearchHit[], projectIds: string[] | null): Promise<LogSearchHit[]> {
  if (hits.length === 0) return [];
  const ids = [...new Set(hits.map((h) => h.taskRunId))];
  const rows = await db
    .select({
      id: taskRuns.id,
      taskName: taskRuns.name,
      runId: runs.id,
      runNumber: runs.number,
      runStatus: runs.status,
      pipelineId: pipelines.id,
      pipelineName: pipelines.name,
    })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    // The index says which project a line belongs to; MySQL has the last word (a moved pipeline).
    .where(and(inArray(taskRuns.id, ids), projectIds ? inArray(pipelines.projectId, projectIds) : undefined));
  const by = new Map(rows.map((r) => [r.id, r]));
  const out: LogSearchHit[] = [];
  for (const h of hits) {
    const r = by.get(h.taskRunId);
    if (!r) continue; // not visible, or its pipeline was deleted (the lines go with their index's retention)
    const text = h.text.length > HIT_CHARS ? h.text.slice(0, HIT_CHARS) : h.text;
    out.push({
      taskRunId: h.taskRunId,
      taskName: r.taskName,
      runId: r.runId,
      runNumber: r.runNumber,
      runStatus: r.runStatus,
      pipelineId: r.pipelineId,
      pipelineName: r.pipelineName,
      seq: h.seq,
      ts: new Date(h.ts).toISOString(),
      stream: h.stream,
      text,
      highlights: h.highlights.filter(([s]) => s < text.length).map(([s, e]) => [s, Math.min(e, text.length)]),
      url: logLineUrl(r.runId, h.taskRunId, h.seq),
    });
  }
  return out;
}

export function logLineUrl(runId: string, taskRunId: string, seq: number) {
  return `/runs/${runId}?task=${encodeURIComponent(taskRunId)}#L${seq}`;
}

/** Where each term occurs in a line (case-insensitive), or null if one of them does not. */
export function matchTerms(text: string, terms: string[]): [number, number][] | null {
  const lower = text.toLowerCase();
  const ranges: [number, number][] = [];
  for (const t of terms) {
    const needle = t.toLowerCase();
    let i = lower.indexOf(needle);
    if (i === -1) return null;
    while (i !== -1) {
      ranges.push([i, i + needle.length]);
      i = lower.indexOf(needle, i + needle.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  // Overlapping matches of different terms become one range.
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

type Tuple = [number, number, LogStream, string];

async function mysqlSearch(
  db: DbOrTx,
  input: LogSearchInput & { pipelineId?: string; projectIds: string[] | null },
): Promise<LogSearchResult> {
  const { words, phrases } = parseQuery(input.q);
  const terms = [...phrases, ...words];
  if (terms.length === 0) return { engine: "mysql", total: 0, totalIsExact: true, hits: [] };
  const conds: SQL[] = [];
  // The chunk holds JSON-encoded text: a term with characters JSON escapes is checked per line only.
  for (const t of terms) if (JSON.stringify(t) === `"${t}"`) conds.push(like(logChunks.data, `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (input.projectIds) conds.push(inArray(pipelines.projectId, input.projectIds));
  if (input.pipelineId) conds.push(eq(runs.pipelineId, input.pipelineId));
  if (input.status) conds.push(eq(runs.status, input.status));
  if (input.since) conds.push(gte(logChunks.createdAt, input.since));
  if (input.until) conds.push(lte(runs.createdAt, input.until));
  const chunks = await db
    .select({
      data: logChunks.data,
      taskRunId: logChunks.taskRunId,
      taskName: taskRuns.name,
      runId: runs.id,
      runNumber: runs.number,
      runStatus: runs.status,
      pipelineId: pipelines.id,
      pipelineName: pipelines.name,
    })
    .from(logChunks)
    .innerJoin(taskRuns, eq(taskRuns.id, logChunks.taskRunId))
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(and(...conds))
    .orderBy(desc(logChunks.id))
    .limit(MYSQL_SCAN_CHUNKS);
  const hits: LogSearchHit[] = [];
  let total = 0;
  const since = input.since?.getTime();
  const until = input.until?.getTime();
  for (const c of chunks) {
    const lines = JSON.parse(c.data) as Tuple[];
    for (let i = lines.length - 1; i >= 0; i--) {
      const [seq, ts, stream, text] = lines[i];
      if ((since !== undefined && ts < since) || (until !== undefined && ts > until)) continue;
      const ranges = matchTerms(text, terms);
      if (!ranges) continue;
      total++;
      if (hits.length >= input.limit) continue;
      const shown = text.length > HIT_CHARS ? text.slice(0, HIT_CHARS) : text;
      hits.push({
        taskRunId: c.taskRunId,
        taskName: c.taskName,
        runId: c.runId,
        runNumber: c.runNumber,
        runStatus: c.runStatus,
        pipelineId: c.pipelineId,
        pipelineName: c.pipelineName,
        seq,
        ts: new Date(ts).toISOString(),
        stream,
        text: shown,
        highlights: ranges.filter(([s]) => s < shown.length).map(([s, e]) => [s, Math.min(e, shown.length)]),
        url: logLineUrl(c.runId, c.taskRunId, seq),
      });
    }
  }
  return { engine: "mysql", total, totalIsExact: chunks.length < MYSQL_SCAN_CHUNKS, hits };
}
