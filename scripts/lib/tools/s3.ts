/**
 * A real S3-compatible object store for the test set-up: Versity Gateway (versitygw) built from
 * its Go module, serving a directory through its posix backend (a bucket is a directory, an object
 * a file), so artifact uploads are tested against a real S3 server and its signature checks.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { startChild, stopChild, waitFor } from "../proc";
import type { Log } from "../go-build";
import { ensureGoTool, toolUnavailableReason, type GoTool } from "./go-tool";

export const versitygw: GoTool = { name: "versitygw", pkg: "github.com/versity/versitygw/cmd/versitygw", version: "v1.8.0" };

export interface S3Server {
  /** `http://127.0.0.1:<port>`, path-style. */
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  stop: () => Promise<void>;
}

export interface S3Options {
  /** Directory the buckets live in (one sub-directory each). */
  dir: string;
  port: number;
  accessKey: string;
  secretKey: string;
  region?: string;
}

export const s3Unavailable = () => toolUnavailableReason(versitygw);

export async function startS3(opts: S3Options, log?: Log): Promise<S3Server> {
  const bin = await ensureGoTool(versitygw, log);
  const dir = path.resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const region = opts.region ?? "us-east-1";
  const child: ChildProcess = startChild(
    "versitygw",
    bin,
    ["--port", `127.0.0.1:${opts.port}`, "--region", region, "posix", dir],
    // The root account's keys come from the environment, so they are not in `ps` output.
    { quiet: true, env: { ...process.env, ROOT_ACCESS_KEY: opts.accessKey, ROOT_SECRET_KEY: opts.secretKey } },
  );
  const endpoint = `http://127.0.0.1:${opts.port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  await waitFor(
    "the S3 server (versitygw)",
    async () => {
      if (exited) throw new Error(`versitygw exited (${child.exitCode ?? child.signalCode}) before it listened on ${endpoint}`);
      // Any HTTP answer (an unsigned request gets 403) means it listens.
      return fetch(endpoint).then(
        () => true,
        () => false,
      );
    },
    30_000,
  );
  return { endpoint, region, accessKey: opts.accessKey, secretKey: opts.secretKey, stop: () => stopChild(child) };
}

/**
 * The test set-up's object store: a fresh data directory, random keys, and Gantry's bucket
 * created. `env` is what the stack needs to use it as its artifact store; `testEnv` what the
 * suites need to look into it.
 */
export async function startTestS3(dir: string, port: number, log?: Log) {
  const { randomBytes } = await import("node:crypto");
  const { rmSync } = await import("node:fs");
  rmSync(dir, { recursive: true, force: true });
  const s3 = await startS3(
    { dir, port, accessKey: `gantry${randomBytes(6).toString("hex")}`, secretKey: randomBytes(24).toString("base64url") },
    log,
  );
  const bucket = "gantry-artifacts";
  const { CreateBucketCommand, S3Client } = await import("@aws-sdk/client-s3");
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  const settings = {
    endpoint: s3.endpoint,
    region: s3.region,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    bucket,
    prefix: "gantry/",
  };
  return {
    stop: s3.stop,
    env: {
      GANTRY_ARTIFACTS_S3_BUCKET: bucket,
      GANTRY_ARTIFACTS_S3_PREFIX: settings.prefix,
      GANTRY_ARTIFACTS_S3_ENDPOINT: s3.endpoint,
      GANTRY_ARTIFACTS_S3_REGION: s3.region,
      GANTRY_ARTIFACTS_S3_ACCESS_KEY: s3.accessKey,
      GANTRY_ARTIFACTS_S3_SECRET_KEY: s3.secretKey,
    },
    testEnv: { GANTRY_TEST_S3: JSON.stringify(settings) },
  };
}
