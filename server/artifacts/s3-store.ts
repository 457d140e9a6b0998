import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { DeleteObjectsCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AppError } from "@/lib/errors";
import type { ArtifactStore } from "./store";

/**
 * An S3 bucket (AWS or S3-compatible: path-style with an endpoint), through the AWS SDK: it signs
 * (SigV4), retries and parses S3's errors, which a hand-made signer would have to get right too.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly s3: S3Client;
  constructor(
    private readonly opts: {
      bucket: string;
      prefix: string;
      endpoint?: string;
      region: string;
      credentials?: { accessKeyId: string; secretAccessKey: string };
      pathStyle: boolean;
    },
  ) {
    this.s3 = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.pathStyle,
      credentials: opts.credentials,
      // Checksums only when S3 requires them: S3-compatible stores differ in the newer ones.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async put(key: string, file: string, meta: { size: number; contentType: string | null }): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.opts.prefix + key,
        Body: createReadStream(file),
        ContentLength: meta.size,
        ContentType: meta.contentType ?? "application/octet-stream",
      }),
    );
  }

  async get(key: string): Promise<Readable> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.opts.prefix + key }));
      return r.Body as Readable;
    } catch (e) {
      if (e instanceof NoSuchKey) throw new AppError("not_found", `artifact object '${key}' is not in the store`);
      throw e;
    }
  }

  /** DeleteObjects takes at most 1,000 keys per request; S3 answers a missing key as deleted. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const part = keys.slice(i, i + 1000);
      const r = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.opts.bucket,
          Delete: { Objects: part.map((k) => ({ Key: this.opts.prefix + k })), Quiet: true },
        }),
      );
      const failed = (r.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length)
        throw new Error(
          `could not delete ${failed.length} artifact object(s), e.g. '${failed[0].Key}': ${failed[0].Code} ${failed[0].Message ?? ""}`,
        );
    }
  }
}
