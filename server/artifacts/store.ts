import path from "node:path";
import type { Readable } from "node:stream";
import { config, type Config } from "../config";
import { LocalArtifactStore } from "./local-store";
import { S3ArtifactStore } from "./s3-store";

/**
 * Gantry's artifact store: where uploaded files live. A directory by default (`npm start` on one
 * machine), an S3 bucket (AWS or any S3-compatible store, path-style) when configured. Only the
 * web app talks to it: tasks upload through Gantry, browsers download through Gantry.
 */
export interface ArtifactStore {
  /** Stores the file at `file` (a staged upload) under `key`, replacing what was there. */
  put(key: string, file: string, meta: { size: number; contentType: string | null }): Promise<void>;
  /** The object's bytes; throws `not_found` when it is gone. */
  get(key: string): Promise<Readable>;
  /** Deletes these objects; one already gone is no error (run retention retries a pass). */
  delete(keys: readonly string[]): Promise<void>;
}

/** The store settings (server/config.ts, README's configuration table). */
export type ArtifactEnv = Pick<
  Config,
  | "GANTRY_ARTIFACTS_DIR"
  | "GANTRY_ARTIFACTS_S3_BUCKET"
  | "GANTRY_ARTIFACTS_S3_PREFIX"
  | "GANTRY_ARTIFACTS_S3_ENDPOINT"
  | "GANTRY_ARTIFACTS_S3_REGION"
  | "GANTRY_ARTIFACTS_S3_ACCESS_KEY"
  | "GANTRY_ARTIFACTS_S3_SECRET_KEY"
  | "GANTRY_ARTIFACTS_S3_PATH_STYLE"
>;

export function storeFromEnv(e: ArtifactEnv): ArtifactStore {
  if (!e.GANTRY_ARTIFACTS_S3_BUCKET) return new LocalArtifactStore(path.resolve(e.GANTRY_ARTIFACTS_DIR));
  return new S3ArtifactStore({
    bucket: e.GANTRY_ARTIFACTS_S3_BUCKET,
    prefix: e.GANTRY_ARTIFACTS_S3_PREFIX,
    endpoint: e.GANTRY_ARTIFACTS_S3_ENDPOINT,
    region: e.GANTRY_ARTIFACTS_S3_REGION,
    credentials:
      e.GANTRY_ARTIFACTS_S3_ACCESS_KEY && e.GANTRY_ARTIFACTS_S3_SECRET_KEY
        ? { accessKeyId: e.GANTRY_ARTIFACTS_S3_ACCESS_KEY, secretAccessKey: e.GANTRY_ARTIFACTS_S3_SECRET_KEY }
        : undefined,
    pathStyle: e.GANTRY_ARTIFACTS_S3_PATH_STYLE ? e.GANTRY_ARTIFACTS_S3_PATH_STYLE === "true" : !!e.GANTRY_ARTIFACTS_S3_ENDPOINT,
  });
}

let cached: ArtifactStore | undefined;
export function artifactStore(): ArtifactStore {
  cached ??= storeFromEnv(config());
  return cached;
}
