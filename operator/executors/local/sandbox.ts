/**
 * The local executor's sandbox (docs/security.md): each task runs under bubblewrap as an
 * unprivileged uid, in its own user, PID, mount, IPC and UTS namespaces (and network, unless the
 * server shares the host's), on a read-only view of the system where only its run's workspace and
 * a private /tmp are writable and Gantry's own state (secrets, database, other workspaces) is gone.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";

export interface SandboxSettings {
  /** `required`: every task runs in the sandbox, or not at all. `off`: unconfined (single-user machines only). */
  mode: "required" | "off";
  /** The host uid and gid tasks run as; only a root operator can switch to them (else its own). */
  uid: number;
  gid: number;
  /** `none`: a network namespace of its own (loopback only); `host`: the machine's network, loopback services included. */
  network: "none" | "host";
  /** Absolute paths covered by an empty tmpfs (those that exist when a task starts). */
  hide: readonly string[];
}

export const SANDBOX_OFF: SandboxSettings = { mode: "off", uid: 65534, gid: 65534, network: "none", hide: [] };

/** What of the host one task sees besides the read-only system. */
export interface SandboxMounts {
  /** The run's workspace: read-write, the task's working directory. */
  workspace: string;
  /** Existing files and directories the task may write (its metrics file and results, the checkout's failure file, the build cache). */
  writableFiles?: readonly string[];
  /** Existing files and directories the task may read (the run's event files, the workspaces' package.json). */
  readOnlyDirs?: readonly string[];
  /**
   * uid 0 of the task's own user namespace (still the unprivileged uid outside), with only the
   * capabilities an image builder needs on its files and for chroot. Not CAP_SYS_ADMIN: a task
   * cannot unmount the covers over hidden paths, mount anything or make namespaces.
   */
  root?: boolean;
}

/** What `root` tasks get (buildah's COPY and commit into its vfs storage, chroot isolation). */
export const ROOT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SYS_CHROOT"] as const;

/** The descriptor bwrap reads the task's environment from (`--args`), see `envArgs`. */
export const ENV_FD = 3;

/**
 * bwrap's arguments for one task, program included. Pure: `hidden` are the paths to cover that
 * exist (see `existingHidden`). The task's environment is not here: bwrap reads it from ENV_FD.
 */
export function bwrapArgs(
  s: Pick<SandboxSettings, "network">,
  hidden: readonly string[],
  m: SandboxMounts,
  argv: readonly string[],
): string[] {
  const args = [
    "--args",
    String(ENV_FD),
    "--unshare-all",
    ...(s.network === "host" ? ["--share-net"] : []),
    // A user namespace always (--unshare-all only tries one), and none nested inside it: less
    // kernel surface for a task to probe.
    "--unshare-user",
    "--disable-userns",
    ...(m.root ? ["--uid", "0", "--gid", "0", ...ROOT_CAPS.flatMap((c) => ["--cap-add", c])] : []),
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    // A /proc of the task's own PID namespace: no other process, its environment or its files.
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/dev/shm",
  ];
  for (const h of hidden) args.push("--tmpfs", h);
  // After the tmpfs covers: bwrap makes the mount points inside them.
  args.push("--bind", m.workspace, m.workspace);
  for (const d of m.readOnlyDirs ?? []) args.push("--ro-bind", d, d);
  for (const f of m.writableFiles ?? []) args.push("--bind", f, f);
  // The covers stay empty and read-only: nothing a task writes outside its workspace survives or lands anywhere.
  for (const h of hidden) args.push("--remount-ro", h);
  args.push("--chdir", m.workspace, "--", ...argv);
  return args;
}

/**
 * The task's environment as bwrap arguments, NUL-separated, for ENV_FD. Not bwrap's own
 * environment: a task's LD_PRELOAD would then load into bwrap, outside the sandbox. Not argv
 * either: every user of the machine can read a process's command line.
 */
export function envArgs(env: Record<string, string>): Buffer {
  const out = ["--clearenv"];
  for (const [k, v] of Object.entries(env)) {
    if (!k || k.includes("=") || k.includes("\0")) throw new Error(`invalid environment variable name '${k.replace(/\0/g, "\\0")}'`);
    if (v.includes("\0")) throw new Error(`the value of environment variable '${k}' holds a NUL byte`);
    out.push("--setenv", k, v);
  }
  return Buffer.from(out.map((a) => a + "\0").join(""));
}

/** The paths to hide that exist, outermost first, without those inside another (already hidden). */
export function existingHidden(paths: readonly string[], exists: (p: string) => boolean = existsSync): string[] {
  const abs = [...new Set(paths.map((p) => path.resolve(p)))].filter((p) => p !== "/" && exists(p)).sort();
  return abs.filter((p) => !abs.some((q) => q !== p && p.startsWith(q + "/")));
}

/**
 * The directories of the task's PATH that the sandbox's covers over /tmp and the operator's home
 * would take away (tools an operator installed under ~/.local/bin, or a checkout's own bin
 * directory under /tmp), to be shown again read-only. Never one inside, or above, a path kept
 * secret (Gantry's state, the workspaces, the caches, the database, the settings' `hide`):
 * showing it would show the secret. Never one the task's uid cannot reach either (root's home is
 * closed to `nobody`): bwrap, which binds as that uid, would refuse to start the task.
 */
export function pathDirsToShow(
  pathVar: string,
  covers: readonly string[],
  secret: readonly string[],
  reachable: (p: string) => boolean,
): string[] {
  const inside = (p: string, root: string) => p === root || p.startsWith(root.endsWith("/") ? root : root + "/");
  const out = new Set<string>();
  for (const entry of pathVar.split(":")) {
    if (!path.isAbsolute(entry)) continue; // "" and relative entries mean the working directory: the workspace
    const d = path.resolve(entry);
    if (!covers.some((c) => inside(d, c))) continue;
    if (secret.some((s) => inside(d, s) || inside(s, d))) continue;
    if (reachable(d)) out.add(d);
  }
  return [...out];
}

/**
 * Whether `uid`/`gid` may list and enter the directory `p`: search permission on every directory
 * above it and read and search on itself, by the mode bits (root passes everything).
 */
export function reachableBy(
  p: string,
  uid: number,
  gid: number,
  stat: (p: string) => { mode: number; uid: number; gid: number; isDirectory(): boolean } = statSync,
): boolean {
  if (uid === 0) return true;
  const allowed = (st: { mode: number; uid: number; gid: number }, bits: number) => {
    const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
    return ((st.mode >> shift) & bits) === bits;
  };
  try {
    const parts = path.resolve(p).split("/").filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join("/")}`;
      if (!allowed(stat(dir), 0o1)) return false;
    }
    const st = stat(p);
    return st.isDirectory() && allowed(st, 0o5);
  } catch {
    return false;
  }
}

/** bwrap on the operator's PATH, resolved once: a task's own PATH must never choose it. */
export function findBwrap(pathVar = process.env.PATH ?? ""): string | null {
  for (const dir of pathVar.split(":").filter(Boolean)) {
    const p = path.join(dir, "bwrap");
    try {
      accessSync(p, constants.X_OK);
      return path.resolve(p);
    } catch {
      // not here
    }
  }
  return null;
}

/** The uid/gid to spawn bwrap with: only root can switch; anyone else runs tasks as itself. */
export function spawnIdentity(s: SandboxSettings, myUid = process.getuid?.() ?? -1): { uid?: number; gid?: number } {
  return myUid === 0 ? { uid: s.uid, gid: s.gid } : {};
}

/**
 * Runs the sandbox once with nothing in it, so that a machine where it cannot work (bwrap
 * missing, user namespaces disabled, a workspace root the task uid cannot reach) fails every task
 * with the reason and the fix instead of a bwrap message in each log. Null when it works.
 */
export async function probeSandbox(s: SandboxSettings, bwrap: string | null, workspacesRoot: string): Promise<string | null> {
  const fix = "or set GANTRY_LOCAL_SANDBOX=off on a single-user machine (docs/security.md)";
  if (!bwrap)
    return `the local executor runs tasks in a bubblewrap sandbox, and 'bwrap' is not on the operator's PATH: install it ('apt-get install bubblewrap'; npm start does) ${fix}`;
  const args = bwrapArgs(s, [], { workspace: workspacesRoot }, ["true"]);
  const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
    let err = "";
    const c = spawn(bwrap, args, {
      ...spawnIdentity(s),
      cwd: "/",
      env: { PATH: "/usr/bin:/bin" } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    const envFd = c.stdio[ENV_FD] as Writable | null;
    envFd?.on("error", () => undefined);
    envFd?.end(envArgs({ PATH: "/usr/bin:/bin" }));
    c.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-1000)));
    c.on("error", (e) => resolve({ code: null, err: e.message }));
    c.on("close", (code) => resolve({ code, err: err.trim() }));
  });
  if (r.code === 0) return null;
  const who = spawnIdentity(s).uid !== undefined ? `uid ${s.uid}` : "the operator's user";
  const hint = /Permission denied|Can't find source path/.test(r.err)
    ? ` (${who} must be able to reach the workspaces directory ${workspacesRoot}: every directory above it needs o+x)`
    : /namespace|Operation not permitted/.test(r.err)
      ? " (user namespaces must be enabled: sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0)"
      : "";
  return `the local executor's sandbox does not work on this machine: bwrap said '${r.err || `exit ${r.code}`}'${hint}; fix it ${fix}`;
}
