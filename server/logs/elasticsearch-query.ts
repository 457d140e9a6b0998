import type { estypes } from "@elastic/elasticsearch";
import { hitSource, type LogDoc } from "./elasticsearch-index";
import type { LogStream } from "./store";

/**
 * Log search as users type it, turned into an Elasticsearch query, and its answer turned back
 * into hits with the matched ranges of each line.
 */

export interface SearchParams {
  q: string;
  /** Only these projects (what the caller may see); undefined: all. */
  projectIds?: string[];
  pipelineId?: string;
  runIds?: string[];
  since?: number;
  until?: number;
  limit: number;
}
export interface SearchHit {
  taskRunId: string;
  runId: string;
  pipelineId: string;
  seq: number;
  ts: number;
  stream: LogStream;
  text: string;
  /** [start, end) character ranges of `text` that matched. */
  highlights: [number, number][];
}
export interface SearchResult {
  hits: SearchHit[];
  total: number;
  totalIsExact: boolean;
}

/** Splits ES's highlighted text (marked with \u0001…\u0002) into the plain text and ranges. */
export function parseHighlight(marked: string): { text: string; ranges: [number, number][] } {
  let text = "";
  const ranges: [number, number][] = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === "\u0001") start = text.length;
    else if (ch === "\u0002") {
      if (start >= 0) ranges.push([start, text.length]);
      start = -1;
    } else text += ch;
  }
  return { text, ranges };
}

/**
 * A query string as users type it: words (all must match, any order) and "quoted phrases"
 * (words in that order). Both go through the standard analyzer, so case does not matter.
 */
export function parseQuery(q: string): { words: string[]; phrases: string[] } {
  const phrases: string[] = [];
  const rest = q.replace(/"([^"]*)"?/g, (_, p: string) => {
    if (p.trim()) phrases.push(p.trim());
    return " ";
  });
  return { words: rest.split(/\s+/).filter(Boolean), phrases };
}

/**
 * The query, order and highlighting of a search: words must all match, "phrases" in order, within
 * the caller's projects and the filters given; best first, newest first among equals.
 */
export function searchRequest(p: SearchParams) {
  const { words, phrases } = parseQuery(p.q);
  const must: estypes.QueryDslQueryContainer[] = [];
  if (words.length) must.push({ match: { message: { query: words.join(" "), operator: "and" } } });
  for (const ph of phrases) must.push({ match_phrase: { message: ph } });
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (p.projectIds) filter.push({ terms: { projectId: p.projectIds } });
  if (p.pipelineId) filter.push({ term: { pipelineId: p.pipelineId } });
  if (p.runIds) filter.push({ terms: { runId: p.runIds } });
  if (p.since !== undefined || p.until !== undefined)
    filter.push({
      range: { ts: { ...(p.since !== undefined ? { gte: p.since } : {}), ...(p.until !== undefined ? { lte: p.until } : {}) } },
    });
  return {
    query: { bool: { must, filter } },
    sort: ["_score", { ts: "desc" }] satisfies estypes.Sort,
    highlight: {
      pre_tags: ["\u0001"],
      post_tags: ["\u0002"],
      fields: { message: { number_of_fragments: 0 } },
    },
  };
}

/** The hits of a search's answer, with where each line matched, and how many there are in all. */
export function searchResult(r: estypes.SearchResponse<LogDoc>): SearchResult {
  const total = typeof r.hits.total === "number" ? r.hits.total : (r.hits.total?.value ?? 0);
  const exact = typeof r.hits.total === "number" || r.hits.total?.relation === "eq";
  return {
    total,
    totalIsExact: exact,
    hits: r.hits.hits.map((h) => {
      const s = hitSource(h);
      const marked = h.highlight?.message?.[0];
      const { ranges } = marked ? parseHighlight(marked) : { ranges: [] };
      return {
        taskRunId: s.taskRunId,
        runId: s.runId,
        pipelineId: s.pipelineId,
        seq: s.seq,
        ts: s.ts,
        stream: s.stream,
        text: s.message,
        highlights: ranges,
      };
    }),
  };
}
