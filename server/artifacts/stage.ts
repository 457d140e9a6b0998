import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebStream } from "node:stream/web";
import { AppError } from "@/lib/errors";

/**
 * An upload's bytes, written to a temporary file while counted and hashed, so the store gets a
 * known length (S3 wants one) and the row its size and SHA-256; over the limit it stops at once.
 */
export interface Staged {
  file: string;
  size: number;
  sha256: string;
  remove: () => Promise<void>;
}

export async function stageUpload(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Staged> {
  const dir = path.join(os.tmpdir(), "gantry-uploads");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, randomUUID());
  const hash = createHash("sha256");
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new AppError("payload_too_large", `the artifact exceeds the limit of ${maxBytes} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const remove = () => rm(file, { force: true });
  try {
    const source = body ? Readable.fromWeb(body as WebStream<Uint8Array>) : Readable.from([]);
    await pipeline(source, count, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    await remove();
    throw e;
  }
  return { file, size, sha256: hash.digest("hex"), remove };
}
