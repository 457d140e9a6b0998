import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { aptInstall, fail, portFree, run, startChild, step, stopChild, waitFor, which } from "./proc";

/**
 * A real single-node Elasticsearch for tests and the bench, started in one JVM by the small
 * launcher in test/elasticsearch (Maven: the server and its Netty HTTP transport from Maven
 * Central). Built once into a cache outside the repo, keyed by the launcher's sources, so a
 * second start costs only the JVM start (~7 s); delete the cache and it is rebuilt from nothing.
 *
 * A bare node has no `rest-root` (no `GET /`, so no ping()/info()): readiness is cluster health.
 */
export const ES_VERSION = "8.17.2";
const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "test/elasticsearch");

export interface Elasticsearch {
  url: string;
  stop: () => Promise<void>;
  /** The JVM; `stop` ends it and keeps the data, so a new start on the same dir brings the node back. */
  child: ChildProcess;
}

function cacheDir() {
  const base = process.env.GANTRY_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "gantry");
  return path.join(base, "elasticsearch", ES_VERSION);
}

function sourceHash(): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "target") walk(p);
      } else if (e.name === "pom.xml" || e.name.endsWith(".java")) {
        h.update(path.relative(SRC, p)).update(readFileSync(p));
      }
    }
  };
  walk(SRC);
  return h.digest("hex").slice(0, 16);
}

/** Builds the launcher and copies its jars into the cache unless an up-to-date build is there. */
export async function buildElasticsearch(): Promise<string> {
  const out = path.join(cacheDir(), "dist");
  const stamp = path.join(cacheDir(), "stamp");
  const hash = sourceHash();
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === hash && existsSync(path.join(out, "launcher.jar"))) return out;
  if (!which("java")) await aptInstall(["openjdk-17-jre-headless"], "the test Elasticsearch node runs on Java 17");
  if (!which("mvn")) await aptInstall(["maven"], "the test Elasticsearch launcher is built with Maven");
  step(`building the test Elasticsearch ${ES_VERSION} node (Maven; first time downloads ~60 MB of jars)…`);
  rmSync(cacheDir(), { recursive: true, force: true });
  mkdirSync(cacheDir(), { recursive: true });
  await run(
    "mvn",
    ["-q", "-B", "-f", path.join(SRC, "pom.xml"), "package", `-Dgantry.out=${out}`, `-Dgantry.build=${path.join(cacheDir(), "build")}`],
    {
      cwd: SRC,
    },
  );
  writeFileSync(stamp, hash + "\n");
  return out;
}

async function health(url: string): Promise<boolean> {
  const r = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(2000) });
  if (!r.ok) return false;
  const b = (await r.json()) as { status?: string };
  return b.status === "green" || b.status === "yellow";
}

/**
 * Starts a node with its data in `dir` (kept unless `fresh`), HTTP on 127.0.0.1:`port`. Resolves
 * once the cluster health is green or yellow; on failure shows the tail of the node's log.
 */
export async function startElasticsearch(opts: {
  dir: string;
  port: number;
  fresh?: boolean;
  heapMb?: number;
  quiet?: boolean;
  /** Full JIT (C2) for sustained load, as in the bench; tests start faster with C1 only. */
  fullJit?: boolean;
}): Promise<Elasticsearch> {
  const dist = await buildElasticsearch();
  const dir = path.resolve(opts.dir);
  if (opts.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (!(await portFree(opts.port))) fail(`port ${opts.port} is taken; cannot start the test Elasticsearch node there`);
  const url = `http://127.0.0.1:${opts.port}`;
  mkdirSync(path.join(dir, "tmp"), { recursive: true });
  const logFile = path.join(dir, "node.log");
  const fd = openSync(logFile, "a");
  const heap = `${opts.heapMb ?? 512}m`;
  const java = process.env.GANTRY_ES_JAVA ?? (existsSync("/usr/bin/java") ? "/usr/bin/java" : "java");
  const child = startChild(
    "elasticsearch",
    java,
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      "-XX:+UseSerialGC",
      ...(opts.fullJit ? [] : ["-XX:TieredStopAtLevel=1"]),
      "-Xshare:auto",
      "-Dlog4j2.disable.jmx=true",
      "-Dlog4j.shutdownHookEnabled=false",
      "-Djava.awt.headless=true",
      `-Djava.io.tmpdir=${path.join(dir, "tmp")}`,
      // The server runs as the named module it is (its plugin loader needs that), with the
      // launcher patched into it and the Netty transport readable from it.
      "--module-path",
      path.join(dist, "lib"),
      "--add-modules",
      "ALL-MODULE-PATH",
      "--patch-module",
      `org.elasticsearch.server=${path.join(dist, "launcher.jar")}`,
      "--add-reads",
      "org.elasticsearch.server=org.elasticsearch.transport.netty4",
      "-m",
      "org.elasticsearch.server/org.elasticsearch.node.GantryTestNode",
      path.join(dir, "home"),
      String(opts.port),
    ],
    { stdio: ["ignore", fd, fd] },
  );
  closeSync(fd);
  let exited = false;
  child.once("exit", () => (exited = true));
  try {
    await waitFor(
      "Elasticsearch cluster health",
      async () => {
        if (exited) throw new Error("exited");
        return health(url);
      },
      120_000,
      250,
    );
  } catch (e) {
    await stopChild(child, "SIGTERM", 20_000);
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : "";
    throw new Error(`the test Elasticsearch node did not start (${exited ? "it exited" : (e as Error).message}); ${logFile}:\n${tail}`);
  }
  if (!opts.quiet) step(`Elasticsearch ${ES_VERSION} is up at ${url}`);
  return { url, child, stop: () => stopChild(child, "SIGTERM", 30_000) };
}
