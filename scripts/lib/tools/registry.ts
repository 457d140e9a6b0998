/**
 * A private OCI registry for the image-build tests: the CNCF Distribution registry built from its
 * Go module (ensureGoTool), with filesystem storage under `dir`, on a free loopback port, and
 * optionally its notifications pointed at an endpoint (Gantry's registry webhook) with fixed headers.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { freePort, startChild, stopChild, waitFor } from "../proc";
import { quietLog, type Log } from "../go-build";
import { ensureGoTool, toolUnavailableReason, type GoTool } from "./go-tool";

export const REGISTRY_TOOL: GoTool = {
  name: "registry",
  pkg: "github.com/distribution/distribution/v3/cmd/registry",
  version: "v3.1.2",
};

export interface RegistryNotifications {
  url: string;
  /** Sent with every notification, e.g. `{ Authorization: "Bearer …" }`. */
  headers: Record<string, string>;
}

export interface Registry {
  /** `127.0.0.1:PORT`: the host part of image references. */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  stop: () => Promise<void>;
}

export const ensureRegistry = (log: Log = quietLog) => ensureGoTool(REGISTRY_TOOL, log);
export const registryUnavailableReason = () => toolUnavailableReason(REGISTRY_TOOL);

/** The registry's config.yml (JSON is YAML): plain HTTP on loopback, deletes allowed, notifications sent at once. */
export function registryConfig(o: { root: string; addr: string; notifications?: RegistryNotifications; htpasswd?: string }): string {
  const config = {
    version: 0.1,
    log: { level: "warn", accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: o.root }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
    http: { addr: o.addr, secret: "gantry-test-registry" },
    ...(o.htpasswd && { auth: { htpasswd: { realm: "gantry-test-registry", path: o.htpasswd } } }),
    ...(o.notifications && {
      notifications: {
        events: { includereferences: true },
        endpoints: [
          {
            name: "gantry",
            url: o.notifications.url,
            headers: Object.fromEntries(Object.entries(o.notifications.headers).map(([k, v]) => [k, [v]])),
            // Only manifest pushes start runs: blob uploads and pulls would be deliveries Gantry ignores.
            ignore: { mediatypes: ["application/octet-stream"], actions: ["pull", "delete"] },
            timeout: "5s",
            threshold: 3,
            backoff: "1s",
          },
        ],
      },
    }),
  };
  return JSON.stringify(config, null, 2) + "\n";
}

/** Starts a fresh registry (its storage under `dir` is emptied first) and waits until `/v2/` answers. */
export async function startRegistry(o: {
  dir: string;
  port?: number;
  notifications?: RegistryNotifications;
  /** An htpasswd file's content (bcrypt hashes): pushes and pulls then need those credentials. */
  htpasswd?: string;
}): Promise<Registry> {
  const bin = await ensureRegistry();
  const dir = path.resolve(o.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const port = o.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const configFile = path.join(dir, "config.yml");
  const htpasswd = o.htpasswd === undefined ? undefined : path.join(dir, "htpasswd");
  if (htpasswd) writeFileSync(htpasswd, o.htpasswd ?? "");
  writeFileSync(configFile, registryConfig({ root: path.join(dir, "data"), addr: host, notifications: o.notifications, htpasswd }));
  const child: ChildProcess = startChild("registry", bin, ["serve", configFile], { quiet: !process.env.GANTRY_TEST_VERBOSE });
  const url = `http://${host}`;
  const stop = () => stopChild(child, "SIGTERM", 10_000);
  try {
    await waitFor(
      `the registry on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`the registry exited with ${child.exitCode}`);
        // 401 is an answer too: the registry is up and asks for the htpasswd credentials.
        const r = await fetch(`${url}/v2/`);
        return r.ok || r.status === 401;
      },
      30_000,
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { host, url, stop };
}
