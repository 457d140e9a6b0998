import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { credentialKind, credentialSecretNames, type GitSource } from "@/lib/repository";
import { FETCH_SCRIPT, GIT_CREDENTIAL_ENV, gitTrustEnv } from "@/operator/executors/clone-script";
import type { DbOrTx } from "../db/client";
import { checkOutboundUrl } from "../net/outbound";
import { resolveSecrets } from "../secrets/secrets";

/**
 * Reads one file of a pipeline's repository at one revision: a shallow fetch of that revision
 * into a temporary repository, with the clone's credentials in the environment of the fetch only
 * (never in argv), then the file and the commit's author and subject from git itself.
 */

const run = promisify(execFile);
const TIMEOUT_MS = 60_000;
const MAX_FILE_BYTES = 1024 * 1024;

export interface RepositoryFile {
  sha: string;
  author: string;
  email: string;
  subject: string;
  text: string;
}

/** A file that cannot be read: the message says why, for the run page. */
export class RepositoryFileError extends Error {}

export async function readRepositoryFile(db: DbOrTx, pipelineId: string, source: GitSource, file: string): Promise<RepositoryFile> {
  const env = await credentialEnv(db, pipelineId, source);
  await checkHost(source.url);
  const dir = await mkdtemp(path.join(tmpdir(), "gantry-pipeline-file-"));
  const work = path.join(dir, "repo");
  // No user or system configuration: only what is set here applies (no stored credential helpers,
  // no url rewrites), and a private CA the administrator named (GIT_SSL_CAINFO).
  const base = {
    ...gitTrustEnv(),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    LANG: "C",
  } as Record<string, string> as NodeJS.ProcessEnv;
  const git = async (args: string[]) =>
    (await run("git", args, { cwd: work, env: base, timeout: TIMEOUT_MS, maxBuffer: MAX_FILE_BYTES * 2 })).stdout;
  try {
    try {
      await mkdir(work);
      await git(["init", "--quiet"]);
      // A redirect to another host would skip the host check below.
      await git(["config", "http.followRedirects", "false"]);
    } catch (e) {
      // No git where the operator runs (or no room in the temporary directory): waiting would not help.
      throw new RepositoryFileError(`cannot read ${file}: git cannot run here: ${(e as Error).message.split("\n")[0]}`);
    }
    try {
      await run("sh", ["-c", FETCH_SCRIPT, "gantry-fetch", source.url, source.revision], {
        cwd: work,
        env: { ...base, ...env, ...(await localRepositoryConfig(source.url, dir)) },
        timeout: TIMEOUT_MS,
      });
    } catch (e) {
      throw new RepositoryFileError(`cannot fetch ${source.revision} of ${source.url}: ${gitReason(e)}`);
    }
    const [sha, author, email, subject] = (await git(["log", "-1", "--format=%H%x00%an%x00%ae%x00%s", "FETCH_HEAD"])).split("\0");
    let text: string;
    try {
      const size = Number((await git(["cat-file", "-s", `${sha}:${file}`])).trim());
      if (size > MAX_FILE_BYTES) throw new RepositoryFileError(`${file} at ${sha.slice(0, 12)} is larger than 1 MiB`);
      text = await git(["cat-file", "blob", `${sha}:${file}`]);
    } catch (e) {
      if (e instanceof RepositoryFileError) throw e;
      throw new RepositoryFileError(`${file} does not exist at commit ${sha.slice(0, 12)} (${subject.trim()})`);
    }
    return { sha, author, email, subject: subject.trim(), text };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The clone's credentials as the fetch script's variables, from the project's secrets. */
async function credentialEnv(db: DbOrTx, pipelineId: string, source: GitSource): Promise<Record<string, string>> {
  const c = source.credentials;
  if (!c) return {};
  let values: Record<string, string>;
  try {
    values = await resolveSecrets(db, pipelineId, credentialSecretNames(c));
  } catch (e) {
    throw new RepositoryFileError(`the repository's credentials cannot be read: ${(e as Error).message}`);
  }
  const out: Record<string, string> = {};
  if (c.username) out[GIT_CREDENTIAL_ENV.username] = c.username;
  if (c.secret) out[GIT_CREDENTIAL_ENV.password] = values[c.secret];
  if (c.sshKey) out[GIT_CREDENTIAL_ENV.sshKey] = values[c.sshKey];
  if (c.knownHosts) out[GIT_CREDENTIAL_ENV.knownHosts] = values[c.knownHosts];
  return out;
}

/**
 * The web app calls the forge itself here, so the host gets the check every user-given URL gets
 * (server/net/outbound.ts: no loopback, private or metadata addresses unless GANTRY_OUTBOUND_ALLOW).
 * file:/// repositories are on this host by definition (single-machine and test set-ups).
 */
async function checkHost(url: string) {
  const kind = credentialKind(url);
  if (kind === "none") return;
  const host =
    kind === "https" ? new URL(url).host : (/^ssh:\/\/(?:[^@/]+@)?([^/:]+)/.exec(url)?.[1] ?? /^[^@]+@([^:]+):/.exec(url)?.[1] ?? "");
  try {
    await checkOutboundUrl(`https://${host}/`);
  } catch (e) {
    throw new RepositoryFileError((e as Error).message);
  }
}

/**
 * A file:/// repository belongs to whoever made it: for a local executor's sandbox that is its
 * uid, not the web app's, and git refuses to read another user's repository unless it is named
 * safe. It is named in this fetch's own global config (git drops GIT_CONFIG_COUNT settings on the
 * way to a local upload-pack): the pipeline names that path itself (single-machine and test
 * set-ups; docs/repository.md).
 */
async function localRepositoryConfig(url: string, dir: string): Promise<Record<string, string>> {
  if (credentialKind(url) !== "none") return {};
  const repo = decodeURIComponent(url.replace(/^file:\/\//i, ""));
  const file = path.join(dir, "gitconfig");
  await writeFile(file, `[safe]\n\tdirectory = ${quote(repo)}\n\tdirectory = ${quote(path.join(repo, ".git"))}\n`);
  return { GIT_CONFIG_GLOBAL: file };
}

const quote = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** git's own last line (`fatal: couldn't find remote ref nope`), without the script's noise. */
function gitReason(e: unknown): string {
  const err = e as { stderr?: string; killed?: boolean; message?: string };
  if (err.killed) return `no answer within ${TIMEOUT_MS / 1000} s`;
  const lines = (err.stderr ?? "").trim().split("\n").filter(Boolean);
  return (lines.at(-1) ?? err.message ?? "git failed").slice(0, 300);
}
