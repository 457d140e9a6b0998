import { createReadStream } from "node:fs";
import { copyFile, mkdir, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { AppError } from "@/lib/errors";
import type { ArtifactStore } from "./store";

/** The embedded default: objects are files under one directory (`.gantry/artifacts`), keys their relative paths. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  private fileOf(key: string): string {
    const f = path.resolve(this.root, key);
    // Keys are built from checked names (keys.ts); this is the last line against one that is not.
    if (!f.startsWith(this.root + path.sep)) throw new AppError("bad_request", `artifact key '${key}' leaves the store`);
    return f;
  }

  async put(key: string, file: string): Promise<void> {
    const dest = this.fileOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    // A staged upload may sit on another file system: copy to a temporary name, then rename into place.
    const tmp = `${dest}.uploading-${process.pid}-${Date.now()}`;
    await copyFile(file, tmp);
    await rename(tmp, dest);
  }

  async get(key: string): Promise<Readable> {
    const f = this.fileOf(key);
    if (!(await stat(f).catch(() => null))?.isFile()) throw new AppError("not_found", `artifact object '${key}' is not in the store`);
    return createReadStream(f);
  }

  async delete(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const f = this.fileOf(key);
      await rm(f, { force: true });
      dirs.add(path.dirname(f));
    }
    // A run's directory (and its pipeline's, once empty) goes too, deepest first; one still in use stays.
    const byDepth = [...dirs].sort((a, b) => b.length - a.length);
    for (const d of byDepth) {
      for (let dir = d; dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
        const gone = await rmdir(dir).then(
          () => true,
          () => false,
        );
        if (!gone) break;
      }
    }
  }
}
