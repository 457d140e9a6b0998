import { createReadStream } from "node:fs";
import { copyFile, mkdir, rename, stat } from "node:fs/promises";
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
}
