import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
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
  const remove = () => rm(file, { force: true });
  const hash = createHash("sha256");
  let size = 0;
  const out = await open(file, "wx", 0o600);
  // Read with the stream's own reader: the request's body need not be Node's ReadableStream class.
  const reader = body?.getReader();
  try {
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        throw new AppError("payload_too_large", `the artifact exceeds the limit of ${maxBytes} bytes`);
      }
      hash.update(chunk.value);
      await out.write(chunk.value);
    }
  } catch (e) {
    await out.close();
    await remove();
    throw e;
  }
  await out.close();
  return { file, size, sha256: hash.digest("hex"), remove };
}
