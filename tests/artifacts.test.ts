import { createHash, randomBytes } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, testEnv, uniqueName, waitForRun } from "./api-helpers";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * Artifacts end to end: a pipeline run by the local executor uploads files with the
 * `artifact-upload` template, through Gantry, into a real S3 server (versitygw, started by
 * `npm test` as the stack's artifact store); the API lists them, Gantry serves them to readers of
 * the project only, and a task's upload token opens nothing but its own running task's run. The
 * template's own-bucket mode signs with the user's keys against the same server.
 */

interface S3Settings {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  prefix: string;
}
const S3 = process.env.GANTRY_TEST_S3 ? (JSON.parse(process.env.GANTRY_TEST_S3) as S3Settings) : null;
// Without Go (no S3 server) the suite is skipped by hand and says why; under CI that fails instead.
if (!S3 && process.env.CI === "true") throw new Error("GANTRY_TEST_S3 is not set: the artifact suite cannot run under CI");

let p: TestProject;
let s3: S3Client;
const as = (role: keyof TestProject["users"]) => p.users[role].token;

beforeAll(async () => {
  p = await createTestProject("artifacts");
  if (S3)
    s3 = new S3Client({
      region: S3.region,
      endpoint: S3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3.accessKey, secretAccessKey: S3.secretKey },
    });
});
afterAll(async () => {
  s3?.destroy();
  await p?.pool.end();
});

async function objectKeys(bucket: string, prefix: string): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

async function runPipeline(spec: Record<string, unknown>, params: Record<string, string> = {}) {
  const created = await call("POST", `/api/v1/pipelines?project=${p.slug}`, { token: as("developer"), body: spec });
  expect(created.status, created.text).toBe(201);
  const start = await call("POST", `/api/v1/pipelines/${created.body.id}/runs`, { token: as("developer"), body: { params } });
  expect(start.status, start.text).toBe(201);
  const run = await waitForRun(start.body.id, 90_000);
  return { pipelineId: created.body.id as string, run };
}

const logOf = async (taskRunId: string) => (await call("GET", `/api/v1/task-runs/${taskRunId}/logs`, { token: as("viewer") })).text;

// Written by the first task: a text file, a binary one in a sub-directory, a file the globs leave out.
const MAKE_FILES = [
  "mkdir -p dist/sub",
  'printf "hello %s\\n" "$GANTRY_RUN_ID" > dist/app.txt',
  "head -c 70000 /dev/urandom > 'dist/sub/data 1.bin'",
  "echo not me > notes.txt",
].join("\n");

describe.skipIf(!S3)("artifact upload into the S3 store", () => {
  let runId: string;
  let otherRunId: string;

  it("uploads the matching files through Gantry, under <project>/<pipeline>/<run>/ in the bucket", async () => {
    const { pipelineId, run } = await runPipeline({
      name: uniqueName("artifacts"),
      stages: [
        { name: "build", tasks: [{ name: "make", template: "shell", params: { script: MAKE_FILES } }] },
        { name: "publish", tasks: [{ name: "upload", template: "artifact-upload", params: { paths: "dist/*" } }] },
      ],
    });
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    runId = run.id;
    const upload = run.stages[1].tasks[0];
    expect(upload.results.url).toBe(`${testEnv().url}/api/v1/runs/${run.id}/artifacts`);
    expect(await logOf(upload.id)).toContain("2 file(s) uploaded");

    const prefix = `${S3!.prefix}${p.slug}/${pipelineId}/${run.number}/`;
    expect(await objectKeys(S3!.bucket, prefix)).toEqual([`${prefix}dist/app.txt`, `${prefix}dist/sub/data 1.bin`]);
    expect((await objectBytes(S3!.bucket, `${prefix}dist/app.txt`)).toString()).toBe(`hello ${run.id}\n`);

    const list = await call("GET", `/api/v1/runs/${run.id}/artifacts`, { token: as("viewer") });
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((a: { name: string; size: number; task: string }) => [a.name, a.size, a.task])).toEqual([
      ["dist/app.txt", `hello ${run.id}\n`.length, "upload"],
      ["dist/sub/data 1.bin", 70000, "upload"],
    ]);
  });

  it("serves the bytes to readers of the project, straight from the store", async () => {
    const list = await call("GET", `/api/v1/runs/${runId}/artifacts`, { token: as("viewer") });
    const bin = list.body.items.find((a: { name: string }) => a.name === "dist/sub/data 1.bin");
    expect(bin.url).toBe(`/api/v1/runs/${runId}/artifacts/dist/sub/data%201.bin`);
    const res = await fetch(testEnv().url + bin.url, { headers: { authorization: `Bearer ${as("viewer")}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain('attachment; filename="data 1.bin"');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(70000);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(bin.sha256);
    const keys = await objectKeys(S3!.bucket, S3!.prefix + p.slug + "/");
    const stored = await objectBytes(
      S3!.bucket,
      keys.find((k) => k.endsWith("data 1.bin"))!,
    );
    expect(bytes.equals(stored)).toBe(true);
  });

  it("shows nothing to a user outside the project", async () => {
    const list = await call("GET", `/api/v1/runs/${runId}/artifacts`, { token: as("outsider") });
    expect(list.status).toBe(404);
    const dl = await call("GET", `/api/v1/runs/${runId}/artifacts/dist/app.txt`, { token: as("outsider") });
    expect(dl.status).toBe(404);
    expect(dl.text).not.toContain("hello");
  });

  it("lets a task's upload token open only its own run, and only while the task runs", async () => {
    // The task tries the other run with its real token, and prints the token in rot13 (the log
    // masks it as it is) so the test can try it once the task is over.
    const script = [
      "echo data > f.txt",
      'auth="Authorization: Bearer $GANTRY_ARTIFACT_TOKEN"',
      'echo "other run: $(curl -s -o /dev/null -w "%{http_code}" -H "$auth" -T f.txt "$GANTRY_URL/api/v1/runs/$OTHER_RUN/artifacts/evil.txt")"',
      'echo "own run: $(curl -s -o /dev/null -w "%{http_code}" -H "$auth" -T f.txt "$GANTRY_URL/api/v1/runs/$GANTRY_RUN_ID/artifacts/mine.txt")"',
      'echo "forged: $(curl -s -o /dev/null -w "%{http_code}" -H "$auth"x -T f.txt "$GANTRY_URL/api/v1/runs/$GANTRY_RUN_ID/artifacts/forged.txt")"',
      'echo "rot13: $(printf %s "$GANTRY_ARTIFACT_TOKEN" | tr a-zA-Z n-za-mN-ZA-M)"',
    ].join("\n");
    const { run } = await runPipeline(
      {
        name: uniqueName("token"),
        params: [{ name: "OTHER_RUN" }],
        stages: [
          {
            name: "s",
            tasks: [
              { name: "probe", template: "shell", params: { script } },
              // A task that does not name the variable gets no token.
              { name: "other", template: "shell", params: { script: 'echo "tokens: $(env | grep -c ^GANTRY_ARTIF || true)"' } },
            ],
          },
        ],
      },
      { OTHER_RUN: runId },
    );
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    otherRunId = run.id;
    const log = await logOf(run.stages[0].tasks[0].id);
    expect(log).toContain("other run: 403");
    expect(log).toContain("own run: 201");
    expect(log).toContain("forged: 401");
    const rot13 = (t: string) =>
      t.replace(/[a-z]/gi, (c) => String.fromCharCode((((c.charCodeAt(0) & 31) + 12) % 26) + (c.charCodeAt(0) & 96) + 1));
    const token = rot13(/rot13: (\S+)/.exec(log)?.[1] ?? "");
    expect(token).toMatch(/^gat1\./);
    expect(await logOf(run.stages[0].tasks[1].id)).toContain("tokens: 0");

    const names = (await call("GET", `/api/v1/runs/${runId}/artifacts`, { token: as("viewer") })).body.items.map(
      (a: { name: string }) => a.name,
    );
    expect(names).not.toContain("evil.txt");
    const own = (await call("GET", `/api/v1/runs/${otherRunId}/artifacts`, { token: as("viewer") })).body.items;
    expect(own.map((a: { name: string }) => a.name)).toEqual(["mine.txt"]);

    // The task is over: its token opens nothing any more, not even its own run.
    const late = await call("PUT", `/api/v1/runs/${otherRunId}/artifacts/late.txt`, { token, raw: "late" });
    expect(late.status, late.text).toBe(403);
    expect(late.body.error.message).toMatch(/succeeded, not running/);
    // A user's API token is not an upload token.
    const user = await call("PUT", `/api/v1/runs/${otherRunId}/artifacts/user.txt`, { token: as("owner"), raw: "x" });
    expect(user.status).toBe(401);
  });

  it("uploads to the user's own bucket with their keys in own-bucket mode", async () => {
    const bucket = uniqueName("own");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await call("PUT", `/api/v1/projects/${p.slug}/secrets/S3_SECRET`, {
      token: as("maintainer"),
      body: { value: S3!.secretKey },
    });
    expect(put.status, put.text).toBe(201);
    const { run } = await runPipeline({
      name: uniqueName("own-bucket"),
      stages: [
        {
          name: "s",
          mode: "sequential",
          tasks: [
            { name: "make", template: "shell", params: { script: MAKE_FILES } },
            {
              name: "upload",
              template: "artifact-upload",
              params: {
                store: "s3",
                paths: "dist/app.txt",
                destination: `s3://${bucket}/builds/{{ run.number }}`,
                endpoint: S3!.endpoint,
                region: S3!.region,
                accessKey: S3!.accessKey,
                secretKey: "{{ secrets.S3_SECRET }}",
              },
            },
          ],
        },
      ],
    });
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    const upload = run.stages[0].tasks[1];
    expect(upload.results.url).toBe(`s3://${bucket}/builds/${run.number}/`);
    expect(await objectKeys(bucket, "")).toEqual([`builds/${run.number}/dist/app.txt`]);
    expect((await objectBytes(bucket, `builds/${run.number}/dist/app.txt`)).toString()).toBe(`hello ${run.id}\n`);
    // Nothing went through Gantry's store, and the secret key is not in the log.
    expect((await call("GET", `/api/v1/runs/${run.id}/artifacts`, { token: as("viewer") })).body.items).toEqual([]);
    expect(await logOf(upload.id)).not.toContain(S3!.secretKey);
  });
});

it("refuses an upload without a valid token before reading it", async () => {
  const r = await call("PUT", `/api/v1/runs/${randomBytes(8).toString("hex")}/artifacts/x.txt`, { token: null, raw: "x" });
  expect(r.status).toBe(401);
  expect(r.body.error.message).toMatch(/GANTRY_ARTIFACT_TOKEN/);
});
