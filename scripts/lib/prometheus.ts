import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { aptInstall, freePort, startChild, stopChild, waitFor, which } from "./proc";

/**
 * A private Prometheus server (Debian's `prometheus` package) for the metrics tests: a generated
 * configuration that scrapes the given targets every second, a free port on 127.0.0.1, and a
 * fresh data directory under `dir`. Nothing of the system's Prometheus service is used.
 */
export interface Prometheus {
  url: string;
  stop: () => Promise<void>;
}

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  path: string;
  bearer?: string;
}

const bin = () => which("prometheus") ?? (existsSync("/usr/bin/prometheus") ? "/usr/bin/prometheus" : null);

/** Why no Prometheus can run here (after trying to install it), or null. */
export async function ensurePrometheus(): Promise<string | null> {
  if (bin()) return null;
  // aptInstall stops the whole run when it cannot even try; here a missing Prometheus only skips a suite.
  if (!which("apt-get") || (process.getuid?.() !== 0 && !which("sudo")))
    return "Prometheus is not installed (as root: apt-get install prometheus)";
  try {
    await aptInstall(["prometheus"], "the metrics tests scrape the stack with a real Prometheus");
  } catch (e) {
    return `could not install Debian's prometheus package: ${(e as Error).message}`;
  }
  return bin() ? null : "Debian's prometheus package is not installed (apt-get install prometheus)";
}

export function prometheusConfig(targets: ScrapeTarget[], intervalSeconds = 1): string {
  const jobs = targets.map((t) =>
    [
      `  - job_name: ${JSON.stringify(t.job)}`,
      `    metrics_path: ${JSON.stringify(t.path)}`,
      ...(t.bearer ? ["    authorization:", `      credentials: ${JSON.stringify(t.bearer)}`] : []),
      `    static_configs:`,
      `      - targets: [${JSON.stringify(t.target)}]`,
    ].join("\n"),
  );
  return [
    "global:",
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    "scrape_configs:",
    ...jobs,
    "",
  ].join("\n");
}

export async function startPrometheus(dir: string, targets: ScrapeTarget[]): Promise<Prometheus> {
  const prometheus = bin();
  if (!prometheus) throw new Error("prometheus is not installed");
  dir = path.resolve(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const configFile = path.join(dir, "prometheus.yml");
  writeFileSync(configFile, prometheusConfig(targets));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = startChild(
    "prometheus",
    prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1d",
      "--log.level=warn",
    ],
    { quiet: !process.env.GANTRY_TEST_VERBOSE },
  );
  const stop = async () => {
    await stopChild(child, "SIGTERM", 10_000);
  };
  try {
    await waitFor(
      `Prometheus on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      30_000,
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
