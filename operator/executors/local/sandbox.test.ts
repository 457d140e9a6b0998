import { describe, expect, it } from "vitest";
import { bwrapArgs, envArgs, ENV_FD, existingHidden, pathDirsToShow, reachableBy, spawnIdentity, SANDBOX_OFF } from "./sandbox";

/** The pairs `--flag a b` of an argument list, as strings, for order-insensitive checks. */
const ops = (args: string[]) => {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    if (["--ro-bind", "--bind"].includes(a)) out.push(`${a} ${args[++i]} ${args[++i]}`);
    else if (["--args", "--tmpfs", "--dev", "--proc", "--chdir", "--remount-ro"].includes(a)) out.push(`${a} ${args[++i]}`);
    else out.push(a);
  }
  return out;
};

describe("bwrapArgs", () => {
  const mounts = {
    workspace: "/srv/ws/run-1",
    writableFiles: ["/srv/ws/.gantry-metrics/t.prom"],
    readOnlyDirs: ["/srv/ws/.gantry-files/run-1"],
  };

  it("unshares every namespace (network included), forbids nested user namespaces and ends with the task's argv", () => {
    const args = bwrapArgs({ network: "none" }, [], mounts, ["sh", "-c", "echo hi"]);
    expect(args).toContain("--unshare-all");
    expect(args).not.toContain("--share-net");
    expect(args).toContain("--disable-userns");
    expect(args.slice(args.indexOf("--"))).toEqual(["--", "sh", "-c", "echo hi"]);
  });

  it("makes an image builder uid 0 of its own user namespace with file and chroot capabilities only, never CAP_SYS_ADMIN", () => {
    const plain = bwrapArgs({ network: "none" }, [], mounts, ["true"]);
    expect(plain).not.toContain("--uid");
    expect(plain).not.toContain("--cap-add");
    const root = bwrapArgs({ network: "none" }, [], { ...mounts, root: true }, ["true"]);
    expect(root.join(" ")).toContain("--unshare-user --disable-userns --uid 0 --gid 0");
    const caps = root.flatMap((a, i) => (a === "--cap-add" ? [root[i + 1]] : []));
    expect(caps.sort()).toEqual(["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SYS_CHROOT"]);
  });

  it("keeps the host's network only when told", () => {
    expect(bwrapArgs({ network: "host" }, [], mounts, ["true"])).toContain("--share-net");
  });

  it("mounts the system read-only, a fresh /dev, /proc and /tmp, then the hidden paths, then binds the workspace back", () => {
    const o = ops(bwrapArgs({ network: "none" }, ["/srv/app/.gantry", "/srv/ws"], mounts, ["true"]));
    expect(o.slice(0, 5)).toEqual([`--args ${ENV_FD}`, "--unshare-all", "--unshare-user", "--disable-userns", "--ro-bind / /"]);
    for (const m of ["--dev /dev", "--proc /proc", "--tmpfs /tmp", "--tmpfs /dev/shm"]) expect(o).toContain(m);
    // Order matters: a bind before the tmpfs over its parent would be covered by it.
    const at = (m: string) => o.indexOf(m);
    expect(at("--tmpfs /srv/ws")).toBeGreaterThan(-1);
    expect(at("--bind /srv/ws/run-1 /srv/ws/run-1")).toBeGreaterThan(at("--tmpfs /srv/ws"));
    expect(at("--ro-bind /srv/ws/.gantry-files/run-1 /srv/ws/.gantry-files/run-1")).toBeGreaterThan(at("--tmpfs /srv/ws"));
    expect(at("--bind /srv/ws/.gantry-metrics/t.prom /srv/ws/.gantry-metrics/t.prom")).toBeGreaterThan(at("--tmpfs /srv/ws"));
    expect(o).toContain("--tmpfs /srv/app/.gantry");
    // The covers are made read-only once everything is bound into them.
    expect(at("--remount-ro /srv/ws")).toBeGreaterThan(at("--bind /srv/ws/.gantry-metrics/t.prom /srv/ws/.gantry-metrics/t.prom"));
    expect(o).toContain("--remount-ro /srv/app/.gantry");
    expect(o.at(-1)).toBe("--chdir /srv/ws/run-1");
    // Nothing else of the host is writable.
    expect(o.filter((x) => x.startsWith("--bind "))).toEqual([
      "--bind /srv/ws/run-1 /srv/ws/run-1",
      "--bind /srv/ws/.gantry-metrics/t.prom /srv/ws/.gantry-metrics/t.prom",
    ]);
  });

  it("never carries the task's environment (values would show in the process list), but reads it from a descriptor first", () => {
    const args = bwrapArgs({ network: "none" }, [], mounts, ["true"]);
    expect(args).not.toContain("--setenv");
    expect(args.slice(0, 2)).toEqual(["--args", String(ENV_FD)]);
  });
});

describe("envArgs", () => {
  it("clears the environment, then sets each variable, NUL-separated", () => {
    const parts = envArgs({ A: "1", LD_PRELOAD: "/x.so", EMPTY: "" }).toString().split("\0");
    expect(parts).toEqual(["--clearenv", "--setenv", "A", "1", "--setenv", "LD_PRELOAD", "/x.so", "--setenv", "EMPTY", "", ""]);
  });

  it("refuses what would split or bend the list: a NUL in a value, '=' or NUL in a name", () => {
    expect(() => envArgs({ A: "x\0--bind / /" })).toThrow("the value of environment variable 'A' holds a NUL byte");
    expect(() => envArgs({ "A=B": "x" })).toThrow("invalid environment variable name 'A=B'");
    expect(() => envArgs({ "A\0": "x" })).toThrow(/invalid environment variable name/);
  });
});

describe("existingHidden", () => {
  it("keeps the paths that exist, outermost first, drops those inside another, and never hides /", () => {
    const have = new Set(["/a", "/a/b", "/c/d", "/e"]);
    expect(existingHidden(["/e", "/a/b", "/c/d", "/a", "/missing", "/", "/e/"], (p) => have.has(p))).toEqual(["/a", "/c/d", "/e"]);
  });
});

describe("spawnIdentity", () => {
  it("switches to the task uid and gid only when the operator is root", () => {
    const s = { ...SANDBOX_OFF, mode: "required" as const, uid: 1234, gid: 5678 };
    expect(spawnIdentity(s, 0)).toEqual({ uid: 1234, gid: 5678 });
    expect(spawnIdentity(s, 1000)).toEqual({});
  });
});

describe("pathDirsToShow", () => {
  const dirs = new Set([
    "/home/op/.local/bin",
    "/tmp/ci/node_modules/.cache/gantry/bin",
    "/home/op",
    "/home/op/app/.gantry/bin",
    "/usr/bin",
  ]);
  const isDir = (p: string) => dirs.has(p);
  // The sandbox's uid reaches them all here: reachableBy is tried on its own below.
  const show = (pathVar: string) => pathDirsToShow(pathVar, ["/tmp", "/home/op"], ["/home/op/app/.gantry", "/srv/ws"], isDir);

  it("shows the operator's tool directories that the covers over /tmp and the home would take away", () => {
    expect(show("/home/op/.local/bin:/usr/bin:/tmp/ci/node_modules/.cache/gantry/bin")).toEqual([
      "/home/op/.local/bin",
      "/tmp/ci/node_modules/.cache/gantry/bin",
    ]);
  });

  it("never shows a directory inside a secret path, nor one that holds one (the home itself)", () => {
    expect(show("/home/op/app/.gantry/bin:/home/op")).toEqual([]);
  });

  it("skips relative and empty entries, and directories that do not exist", () => {
    expect(show(":bin:./x:/home/op/missing")).toEqual([]);
  });
});

describe("reachableBy", () => {
  // root:root directories: / and /root 0755 and 0700 as on Debian, /tmp 1777, a checkout 0755.
  const modes: Record<string, [number, number]> = {
    "/": [0o40755, 0],
    "/root": [0o40700, 0],
    "/root/.cargo": [0o40755, 0],
    "/root/.cargo/bin": [0o40755, 0],
    "/tmp": [0o41777, 0],
    "/tmp/ci": [0o40755, 0],
    "/tmp/ci/bin": [0o40755, 0],
    "/tmp/mine": [0o40700, 1000],
  };
  const stat = (p: string) => {
    const m = modes[p];
    if (!m) throw new Error(`ENOENT ${p}`);
    return { mode: m[0], uid: m[1], gid: m[1], isDirectory: () => true };
  };

  it("refuses a directory under root's closed home for the sandbox's nobody (bwrap could not bind it)", () => {
    expect(reachableBy("/root/.cargo/bin", 65534, 65534, stat)).toBe(false);
    expect(reachableBy("/root/.cargo/bin", 0, 0, stat)).toBe(true);
  });

  it("accepts an open path, and a closed one its owner may enter", () => {
    expect(reachableBy("/tmp/ci/bin", 65534, 65534, stat)).toBe(true);
    expect(reachableBy("/tmp/mine", 1000, 1000, stat)).toBe(true);
    expect(reachableBy("/tmp/mine", 65534, 65534, stat)).toBe(false);
    expect(reachableBy("/tmp/none", 65534, 65534, stat)).toBe(false);
  });
});
