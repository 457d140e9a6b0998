import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
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
}
