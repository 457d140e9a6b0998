import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Gantry's Dockerfile as data, so that what the image holds can be reproduced without a builder
 * (tests/image-contents.test.ts) and cannot drift from it: the stages' working directories and
 * the final stage's COPY, ENV, USER, ENTRYPOINT and CMD. The final stage may only copy files
 * (a RUN there could not be reproduced): anything else is refused, naming the line.
 */

export interface ImageCopy {
  /** The stage copied from (`--from=`), or undefined for the build context. */
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}

export interface FinalStage {
  base: string;
  workdir: string;
  copies: ImageCopy[];
  env: Record<string, string>;
  user: string;
  entrypoint: string[];
  cmd: string[];
  /** WORKDIR of each named earlier stage. */
  stageWorkdirs: Record<string, string>;
  args: Record<string, string>;
}

/** Instructions as [keyword, rest, line], continuation lines joined and comments dropped. */
function instructions(text: string): [string, string, number][] {
  const out: [string, string, number][] = [];
  let buf = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (!line || line.startsWith("#"))) return;
    if (!buf) start = i + 1;
    buf += (buf ? " " : "") + line.replace(/\\$/, "").trim();
    if (line.endsWith("\\")) return;
    const [kw, ...rest] = buf.split(/\s+/);
    out.push([kw.toUpperCase(), rest.join(" "), start]);
    buf = "";
  });
  return out;
}

const json = (s: string, line: number): string[] => {
  try {
    const v = JSON.parse(s) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  } catch {
    // reported below
  }
  throw new Error(`Dockerfile line ${line}: expected the JSON (exec) form, got ${s}`);
};

export function parseDockerfile(text: string): FinalStage {
  const args: Record<string, string> = {};
  const stageWorkdirs: Record<string, string> = {};
  let stage: FinalStage | null = null;
  let stageName: string | undefined;
  for (const [kw, rest, line] of instructions(text)) {
    if (kw === "HEALTHCHECK") throw new Error(`Dockerfile line ${line}: no HEALTHCHECK, Kubernetes probes the processes`);
    if (kw === "ARG" && !stage) {
      const [k, v = ""] = rest.split("=");
      args[k] = v;
      continue;
    }
    if (kw === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!m) throw new Error(`Dockerfile line ${line}: cannot read FROM ${rest}`);
      const base = m[1].replace(/^\$\{(\w+)\}$|^\$(\w+)$/, (_, a, b) => args[a ?? b] ?? "");
      stageName = m[2];
      stage = { base, workdir: "/", copies: [], env: {}, user: "", entrypoint: [], cmd: [], stageWorkdirs, args };
      continue;
    }
    if (!stage) throw new Error(`Dockerfile line ${line}: ${kw} before FROM`);
    if (kw === "WORKDIR") {
      stage.workdir = path.posix.resolve(stage.workdir, rest);
      if (stageName) stageWorkdirs[stageName] = stage.workdir;
      continue;
    }
    // Earlier stages build; only the last one's instructions make up the image.
    if (stageName) continue;
    switch (kw) {
      case "COPY": {
        const words = rest.split(/\s+/);
        const flags = words.filter((w) => w.startsWith("--"));
        const paths = words.filter((w) => !w.startsWith("--"));
        const unknown = flags.filter((f) => !f.startsWith("--from="));
        if (unknown.length) throw new Error(`Dockerfile line ${line}: COPY ${unknown.join(" ")} is not reproduced by the content test`);
        const dest = paths.pop();
        if (!dest || !paths.length) throw new Error(`Dockerfile line ${line}: COPY needs a source and a destination`);
        stage.copies.push({
          from: flags[0]?.slice("--from=".length),
          sources: paths,
          dest: path.posix.resolve(stage.workdir, dest) + (dest.endsWith("/") ? "/" : ""),
          line,
        });
        break;
      }
      case "ENV":
        for (const m of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]] = m[2].replace(/^"|"$/g, "");
        break;
      case "USER":
        stage.user = rest;
        break;
      case "ENTRYPOINT":
        stage.entrypoint = json(rest, line);
        break;
      case "CMD":
        stage.cmd = json(rest, line);
        break;
      case "EXPOSE":
      case "LABEL":
        break;
      default:
        throw new Error(
          `Dockerfile line ${line}: ${kw} in the final stage cannot be reproduced by the content test; build it in an earlier stage`,
        );
    }
  }
  if (!stage || stageName) throw new Error("Dockerfile: the last stage must be unnamed (the image)");
  return stage;
}

export const readDockerfile = (root: string) => parseDockerfile(readFileSync(path.join(root, "Dockerfile"), "utf8"));

/**
 * Copies what the final stage's COPY lines copy into `dir` (standing for the image's `/`):
 * `stages` maps a stage name to the directory that holds what its WORKDIR held; the build
 * context is `root`.
 */
export function assembleImage(image: FinalStage, root: string, stages: Record<string, string>, dir: string) {
  for (const c of image.copies) {
    const base = c.from === undefined ? root : stages[c.from];
    if (base === undefined) throw new Error(`Dockerfile line ${c.line}: no directory given for stage '${c.from}'`);
    const workdir = c.from === undefined ? "/" : image.stageWorkdirs[c.from];
    const target = path.join(dir, c.dest);
    const intoDir = c.dest.endsWith("/") || c.sources.length > 1;
    for (const s of c.sources) {
      const rel = c.from === undefined ? s : path.posix.relative(workdir, path.posix.resolve(workdir, s));
      if (rel.startsWith("..")) throw new Error(`Dockerfile line ${c.line}: ${s} is outside stage '${c.from}''s ${workdir}`);
      const src = path.join(base, rel);
      if (!existsSync(src)) throw new Error(`Dockerfile line ${c.line}: ${s} does not exist (looked for ${src})`);
      if (statSync(src).isDirectory()) {
        mkdirSync(target, { recursive: true });
        cpSync(src, target, { recursive: true, verbatimSymlinks: true });
      } else {
        const to = intoDir ? path.join(target, path.basename(src)) : target;
        mkdirSync(path.dirname(to), { recursive: true });
        cpSync(src, to, { preserveTimestamps: true });
      }
    }
  }
}
