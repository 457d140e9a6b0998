import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { assembleImage, readDockerfile, type FinalStage } from "../scripts/lib/image";
import { ensureHelm } from "../scripts/lib/tools/helm";
import { ROOT, tempDir } from "./executor-helpers";

/**
 * The container image without a builder (no base image can be pulled here): exactly what the
 * Dockerfile's final stage copies (parsed from it, scripts/lib/image.ts), assembled from this
 * checkout's production build and a production-only `npm ci`, and its commands run the way
 * Kubernetes runs the chart's pods: only the environment the chart renders, uid 1000, the image
 * read-only at /app, the chart's two volumes (/var/lib/gantry, /tmp) the only writable places.
 */

export interface Pod extends ChildProcess {
  output: () => string;
  /** The pod's /var/lib/gantry on this machine. */
  dataDir: string;
}

export interface TestImage {
  image: FinalStage;
  /** The image's `/` on this machine. */
  rootfs: string;
  /**
   * Runs the entrypoint with `command` as pod `name` (its HOSTNAME and metadata.name); `files`
   * (name → file here) are put into its /var/lib/gantry first.
   */
  run: (command: string, env: Record<string, string>, name?: string, files?: Record<string, string>) => Pod;
  /** Kills every pod and removes the image and the pods' volumes. */
  remove: () => void;
}

/** The production dependencies (the Dockerfile's `deps` stage), installed once per lock file. */
function productionDeps(): string {
  const lock = readFileSync(path.join(ROOT, "package-lock.json"));
  const dir = path.join(ROOT, ".gantry/image-deps", createHash("sha256").update(lock).digest("hex").slice(0, 16));
  if (existsSync(path.join(dir, "node_modules/.package-lock.json"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) cpSync(path.join(ROOT, f), path.join(tmp, f));
  const r = spawnSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: tmp, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm ci --omit=dev failed:\n${r.stdout}\n${r.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

export function assembleTestImage(): TestImage {
  const image = readDockerfile(ROOT);
  for (const f of [".next/standalone/server.js", ".gantry/build/operator.mjs", ".gantry/build/migrate.mjs"])
    if (!existsSync(path.join(ROOT, f)))
      throw new Error(`${f} is missing: the production build (npm run build; npm test makes it) comes first`);
  const work = tempDir("image");
  const rootfs = path.join(work, "root");
  assembleImage(image, ROOT, { build: ROOT, deps: productionDeps() }, rootfs);
  const pods: ChildProcess[] = [];

  const run = (
    command: string,
    env: Record<string, string>,
    name = `gantry-${command}-5c7d9-abcde`,
    files: Record<string, string> = {},
  ): Pod => {
    const dataDir = path.join(work, `${name}-data`);
    const tmp = path.join(work, `${name}-tmp`);
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    for (const [f, from] of Object.entries(files)) cpSync(from, path.join(dataDir, f));
    const podEnv: Record<string, string> = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: "/",
      HOSTNAME: name,
    };
    for (const [k, v] of Object.entries(env)) podEnv[k] = v === POD_NAME ? name : v;
    const args = [
      // The base image's node and libraries: this machine's /usr, read-only.
      ...["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"],
      ...["--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc", "/etc", "--dev", "/dev", "--proc", "/proc"],
      ...["--ro-bind", path.join(rootfs, "app"), "/app", "--bind", dataDir, "/var/lib/gantry", "--bind", tmp, "/tmp"],
      ...["--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid", "--unshare-ipc", "--die-with-parent"],
      ...["--remount-ro", "/", "--chdir", "/", "--clearenv"],
      ...Object.entries(podEnv).flatMap(([k, v]) => ["--setenv", k, v]),
      ...image.entrypoint,
      command,
    ];
    const child = spawn("bwrap", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    pods.push(child);
    return Object.assign(child, { output: () => output, dataDir });
  };

  return {
    image,
    rootfs,
    run,
    remove: () => {
      // bwrap's child dies with it (--die-with-parent).
      for (const c of pods) if (c.exitCode === null) c.kill("SIGKILL");
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Stands for the pod's name (a fieldRef to metadata.name) until a pod is run. */
export const POD_NAME = "\0pod-name";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Rendered {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec: { containers: { args?: string[]; env?: EnvVar[]; envFrom?: { secretRef: { name: string } }[] }[] } } };
}

/**
 * The environment of each command's container (web, operator, migrate) as the chart renders it
 * with these helm flags, the image's ENV under it as a runtime does; Secrets are resolved from
 * the chart's own or from `secrets` (those a user makes, e.g. secrets.existingSecret).
 */
export async function chartEnvironments(
  image: FinalStage,
  flags: string[],
  secrets: Record<string, Record<string, string>> = {},
): Promise<Record<string, Record<string, string>>> {
  const helm = await ensureHelm((m) => console.log(m));
  const { stdout } = await promisify(execFile)(
    helm,
    ["template", "gantry", path.join(ROOT, "deploy/helm/gantry"), "-n", "gantry", ...flags],
    {
      maxBuffer: 64 << 20,
    },
  );
  const objs = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o): o is Rendered => !!o);
  const secret = (name: string) => {
    if (secrets[name]) return secrets[name];
    const s = objs.find((o) => o.kind === "Secret" && o.metadata.name === name);
    if (!s?.data) throw new Error(`the chart refers to Secret ${name}, which it does not render and the test does not give`);
    return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
  };
  const out: Record<string, Record<string, string>> = {};
  for (const o of objs) {
    for (const c of o.spec?.template?.spec.containers ?? []) {
      if (!c.args?.length) continue;
      const env: Record<string, string> = { ...image.env };
      for (const f of c.envFrom ?? []) Object.assign(env, secret(f.secretRef.name));
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) env[e.name] = secret(ref.name)[ref.key];
        else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = POD_NAME;
        else if (e.value !== undefined) env[e.name] = e.value;
        else throw new Error(`${o.metadata.name}: env ${e.name} has a source the test does not resolve`);
      }
      out[c.args[0]] = env;
    }
  }
  return out;
}

export const exitOf = (c: ChildProcess) =>
  new Promise<number | null>((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.on("exit", (code) => resolve(code))));

/** Polls `url` until it answers 200, failing with the pod's output if it exits first. */
export async function until200(url: string, pod: Pod) {
  const deadline = Date.now() + 90_000;
  let last = "";
  while (Date.now() < deadline) {
    if (pod.exitCode !== null) throw new Error(`exited with ${pod.exitCode} before ${url} answered:\n${pod.output()}`);
    const r = await fetch(url).catch((e: Error) => e);
    if (r instanceof Response && r.status === 200) return r;
    last = r instanceof Response ? `${r.status} ${await r.text()}` : r.message;
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new Error(`${url} did not answer 200 within 90 s (last: ${last}):\n${pod.output()}`);
}
