/**
 * `npm run image [-- TAG] [--push]`: builds the container image from the Dockerfile with buildah
 * (daemonless: vfs storage, chroot isolation, so it works without a Docker engine and inside a
 * container), tagged `gantry:<package version>` unless TAG is given; `--push` then pushes the
 * tag to its registry. The base image (NODE_IMAGE, default node:22-bookworm-slim) must be
 * reachable: a mirror can be given with `NODE_IMAGE=registry.internal/node:22-bookworm-slim`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fail, ok, run, step, which } from "./lib/proc";
import { ROOT } from "./lib/stack";

async function main() {
  const args = process.argv.slice(2);
  const push = args.includes("--push");
  const version = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  const tag = args.find((a) => !a.startsWith("--")) ?? `gantry:${version}`;
  if (!which("buildah"))
    fail(
      "buildah is not installed, and npm run image needs it (Debian/Ubuntu: apt-get install buildah). " +
        `With Docker or Podman instead: docker build -t ${tag} . && docker push ${tag}`,
    );
  const storage = ["--storage-driver", "vfs"];
  const base = process.env.NODE_IMAGE ? ["--build-arg", `NODE_IMAGE=${process.env.NODE_IMAGE}`] : [];
  step(`building ${tag} with buildah (vfs storage, chroot isolation; several minutes)…`);
  await run("buildah", [...storage, "bud", "--isolation", "chroot", "--layers", ...base, "-f", "Dockerfile", "-t", tag, "."], {
    cwd: ROOT,
  }).catch((e: Error) => {
    throw new Error(
      `${e.message}. If the base image could not be pulled (no internet), point NODE_IMAGE at a copy in a registry you can reach`,
    );
  });
  ok(`built ${tag}`);
  if (!push) return;
  step(`pushing ${tag}…`);
  await run("buildah", [...storage, "push", tag, `docker://${tag}`], { cwd: ROOT });
  ok(`pushed ${tag}`);
}

main().catch((e: Error) => fail(e.message));
