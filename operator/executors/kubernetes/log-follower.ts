import { StringDecoder } from "node:string_decoder";
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { LogLine } from "@/server/logs/store";
import type { LogSink } from "../types";
import { paths, type KubeApi } from "./kube-api";
import { MAIN_CONTAINER } from "./job-spec";

/**
 * Follows the logs of every container of an attempt's pods (init, main, sidecars) through the
 * API (`follow=true&timestamps=true`) into the task run's log sink. A dropped stream is resumed
 * with `sinceTime`; since that has only second precision, lines older than the last one written
 * are skipped, and of those with the same timestamp as many as were already written. A stream
 * is closed when the pod's status says the container has terminated, then read once more
 * without follow for what came last (kwok's follow streams never end on their own).
 */

export interface ContainerCursor {
  /** Timestamp (as the API wrote it) of the last line written, and how many lines had it. */
  lastTs: string;
  sameTs: number;
}

/** `<RFC3339Nano> <text>` → its parts; a line without a timestamp keeps the previous one. */
export function splitTimestamped(line: string): { ts: string; text: string } | null {
  const sp = line.indexOf(" ");
  const ts = sp < 0 ? line : line.slice(0, sp);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(ts)) return null;
  return { ts, text: sp < 0 ? "" : line.slice(sp + 1) };
}

/** Compares API timestamps as instants with nanoseconds (Date has only milliseconds). */
export function compareTs(a: string, b: string): number {
  const key = (t: string) => {
    const ms = Date.parse(t);
    const frac = /\.(\d+)/.exec(t)?.[1] ?? "";
    return [Math.floor(ms / 1000), Number((frac + "000000000").slice(0, 9))];
  };
  const [as, an] = key(a);
  const [bs, bn] = key(b);
  return as - bs || an - bn;
}

/**
 * The lines of a log stream (without their `\n`, or `\r\n`). A follow stream that stops in the
 * middle of a line (its connection closed) leaves that piece out: the resumed stream brings the
 * whole line, which would otherwise be skipped as already written, leaving a cut one in the log
 * (a cut line of a metrics block would even be a wrong value). A last read to the end of the
 * log keeps it (`keepUnended`): the container wrote no more.
 */
export async function* streamLines(input: AsyncIterable<Buffer | string>, keepUnended: boolean): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  const strip = (l: string) => (l.endsWith("\r") ? l.slice(0, -1) : l);
  let buf = "";
  for await (const chunk of input) {
    buf += typeof chunk === "string" ? chunk : decoder.write(chunk);
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf("\n", start)) !== -1) {
      yield strip(buf.slice(start, nl));
      start = nl + 1;
    }
    buf = buf.slice(start);
  }
  buf += decoder.end();
  if (buf && keepUnended) yield strip(buf);
}

/** An instant at millisecond precision, as the log store keeps it. */
const msOf = (ts: string) => Date.parse(ts);

/**
 * Decides, line by line, what a reconnected stream repeats. Pure, for the unit tests: feed it
 * every line the API returns, in order; it says which to write.
 */
export class LineDeduper {
  private seenAtLast = 0;
  /**
   * `ms`: timestamps compare at millisecond precision, as the log store keeps them; for a cursor
   * rebuilt from stored lines (an operator that adopted or re-attached to an attempt).
   */
  constructor(
    private cursor: ContainerCursor | null = null,
    private readonly precision: "ns" | "ms" = "ns",
  ) {}

  private compare(a: string, b: string): number {
    return this.precision === "ms" ? msOf(a) - msOf(b) : compareTs(a, b);
  }

  /** The position to resume from (`sinceTime`, second precision: the API rounds down). */
  get sinceTime(): string | undefined {
    return this.cursor
      ? new Date(Math.floor(Date.parse(this.cursor.lastTs) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z")
      : undefined;
  }

  get position(): ContainerCursor | null {
    return this.cursor ? { ...this.cursor } : null;
  }

  /** A new stream starts: lines at the cursor's timestamp are counted again from zero. */
  restart() {
    this.seenAtLast = 0;
  }

  accept(ts: string): boolean {
    const c = this.cursor;
    if (c) {
      const cmp = this.compare(ts, c.lastTs);
      if (cmp < 0) return false;
      if (cmp === 0) {
        this.seenAtLast++;
        if (this.seenAtLast <= c.sameTs) return false;
        c.sameTs++;
        return true;
      }
    }
    this.cursor = { lastTs: ts, sameTs: 1 };
    this.seenAtLast = 1;
    return true;
  }
}

/**
 * Where one container's stored lines end, from the tail of the task run's stored log: the time
 * (ms) of its last line and how many of its lines at the end have that time. A container's lines
 * are the pod lines (stream `out`) with its `[name] ` prefix, the main container's those with
 * none of the others'. Null when the tail holds none of its lines.
 */
export function cursorFromStored(tail: readonly LogLine[], container: string, others: readonly string[]): ContainerCursor | null {
  const mine =
    container === MAIN_CONTAINER
      ? (l: LogLine) => !others.some((o) => o !== MAIN_CONTAINER && l.text.startsWith(`[${o}] `))
      : (l: LogLine) => l.text.startsWith(`[${container}] `);
  let last: number | null = null;
  let same = 0;
  for (let i = tail.length - 1; i >= 0; i--) {
    const l = tail[i];
    if (l.stream !== "out" || !mine(l)) continue;
    if (last === null) last = l.ts;
    else if (l.ts !== last) break;
    same++;
  }
  return last === null ? null : { lastTs: new Date(last).toISOString(), sameTs: same };
}

export interface PodLogsOptions {
  api: Pick<KubeApi, "stream">;
  namespace: string;
  sink: LogSink;
  /** The pod as the informer has it now (status decides when a container is done). */
  pod: () => V1Pod | undefined;
  /** Skip lines at or before this instant (a resumed operator: what it wrote before). */
  notBefore?: Date;
  /**
   * The last lines stored before this operator took the attempt over: each container goes on
   * after its own last stored line (see cursorFromStored), rather than after `notBefore`.
   */
  storedTail?: readonly LogLine[];
  log?: Logger;
}

/** All containers of one pod. */
export class PodLogs {
  private readonly followers = new Map<string, Promise<void>>();
  private stopped = false;
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly podName: string,
    private readonly o: PodLogsOptions,
  ) {}

  /** Starts following containers that have started; call on every pod update. */
  poke() {
    if (this.stopped) return;
    const pod = this.o.pod();
    if (!pod) return;
    for (const name of containerNames(pod)) {
      if (this.followers.has(name)) continue;
      const st = containerState(pod, name);
      if (!st || st.waiting || (!st.running && !st.terminated)) continue;
      this.followers.set(name, this.follow(name));
    }
  }

  /** Resolves once every started container's stream has ended (its container terminated). */
  async done(): Promise<void> {
    this.poke();
    await Promise.all(this.followers.values());
  }

  /** Stops now (the pod is gone). */
  stop() {
    this.stopped = true;
    for (const a of this.aborts) a.abort();
  }

  private startCursor(container: string): LineDeduper {
    const tail = this.o.storedTail;
    if (tail?.length) {
      const pod = this.o.pod();
      const cursor = cursorFromStored(tail, container, pod ? containerNames(pod) : []);
      if (cursor) return new LineDeduper(cursor, "ms");
      // None of its lines among the stored ones: all of them are new if the tail is the whole
      // log, else go on after the oldest line shown (nothing stored can be older than that).
      if (tail[0].seq <= 1) return new LineDeduper(null, "ms");
      return new LineDeduper({ lastTs: new Date(tail[0].ts).toISOString(), sameTs: Number.MAX_SAFE_INTEGER }, "ms");
    }
    return new LineDeduper(this.o.notBefore ? { lastTs: this.o.notBefore.toISOString(), sameTs: Number.MAX_SAFE_INTEGER } : null);
  }

  private async follow(container: string) {
    const prefix = container === MAIN_CONTAINER ? "" : `[${container}] `;
    const dedupe = this.startCursor(container);
    let failures = 0;
    const terminated = () => !!containerState(this.o.pod(), container)?.terminated || !this.o.pod();
    for (;;) {
      if (this.stopped) return;
      const last = terminated();
      const ac = new AbortController();
      this.aborts.add(ac);
      // Close a follow stream once the container has ended: kwok's never ends on its own.
      const watch = last
        ? null
        : setInterval(() => {
            if (terminated()) ac.abort();
          }, 250);
      try {
        dedupe.restart();
        const res = await this.o.api.stream(
          paths.podLog(this.o.namespace, this.podName),
          { container, timestamps: true, ...(last ? {} : { follow: true }), ...(dedupe.sinceTime ? { sinceTime: dedupe.sinceTime } : {}) },
          ac.signal,
        );
        for await (const line of streamLines(res, last)) {
          const p = splitTimestamped(line);
          if (!p) {
            this.o.sink.write("out", `${prefix}${line}\n`, undefined, container);
            continue;
          }
          if (!dedupe.accept(p.ts)) continue;
          if (this.o.sink.full) await this.o.sink.waitForRoom();
          this.o.sink.write("out", `${prefix}${p.text}\n`, msOf(p.ts), container);
        }
        failures = 0;
      } catch (e) {
        if (!ac.signal.aborted) {
          failures++;
          if (failures === 1 || failures % 10 === 0)
            this.o.log?.debug({ err: (e as Error).message, pod: this.podName, container }, "log stream failed; resuming");
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(failures, 5))));
          // A pod that no longer exists has no more logs to give.
          if (failures > 30 && terminated()) return;
        }
      } finally {
        if (watch) clearInterval(watch);
        this.aborts.delete(ac);
      }
      if (last && failures === 0) return;
    }
  }
}

function containerNames(pod: V1Pod): string[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
}

function containerState(pod: V1Pod | undefined, name: string) {
  const st = pod?.status;
  return [...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? [])].find((c) => c.name === name)?.state;
}
