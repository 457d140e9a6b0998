/**
 * `npm run bench:scale` (GANTRY_BENCH=scale): every figure of issue 17's "Scale" part, one after
 * the other on the same machine. BENCH_SCALE_PARTS picks some (comma-separated; default all):
 *
 * - `history`: 20,000 finished runs with their logs, pages and API calls over them, run start and
 *   the operator's memory (bench/scale.ts);
 * - `retention`: 20,000 runs loaded and the older half pruned: pass speed, transaction lengths
 *   and whether readers were held up (bench/scale/retention.ts);
 * - `designer`: the designer's 20 × 15 pipeline, navigation → interactive (bench/designer.ts);
 * - `queue`: 5,000 queued runs drained by two replicas' dispatchers: claim latency, fair share
 *   and order (bench/scale/queue.ts);
 * - `ingest`: Elasticsearch ingestion through the log store on a node of its own (bench/elasticsearch.ts).
 */
import path from "node:path";
import { benchDesigner } from "./designer";
import { benchElasticsearch } from "./elasticsearch";
import { benchScale, printScale, saveScale, type ScaleOpts } from "./scale";
import { benchQueue, printQueue } from "./scale/queue";
import { benchRetention, printRetention } from "./scale/retention";
import { ROOT } from "../scripts/lib/stack";

const PARTS = ["history", "queue", "retention", "designer", "ingest"] as const;
type Part = (typeof PARTS)[number];

function parts(): Part[] {
  const asked = (process.env.BENCH_SCALE_PARTS ?? PARTS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of asked)
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`BENCH_SCALE_PARTS: unknown part '${p}' (known: ${PARTS.join(", ")})`);
  return asked as Part[];
}

export async function runScale(o: ScaleOpts) {
  const chosen = parts();
  if (chosen.includes("history")) {
    const f = await benchScale(o);
    printScale(f);
    saveScale(ROOT, f);
  }
  if (chosen.includes("queue")) printQueue(await benchQueue({ databaseUrl: o.databaseUrl }));
  if (chosen.includes("retention")) printRetention(await benchRetention(o));
  if (chosen.includes("designer")) {
    const d = await benchDesigner(o);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `\ndesigner, pipeline of 20 stages × 15 tasks, Chromium: navigation → interactive median ${med(d.loadMs).toFixed(0)} ms (all: ${d.loadMs.join(", ")})   aim < 1000 ms\n`,
    );
  }
  if (chosen.includes("ingest")) {
    const r = await benchElasticsearch({ dir: path.join(ROOT, ".gantry/bench-es") });
    const rate = r.ingestLinesPerSec;
    console.log(`\nElasticsearch ingestion: ${rate.toFixed(0)} lines/s   ${rate >= 50_000 ? "meets" : "MISSES"} ≥ 50,000 lines/s\n`);
  }
}
