import { z } from "zod";
import { artifactUrl, ArtifactListSchema, ArtifactSchema } from "@/lib/artifact-schemas";
import type { Db } from "../db/client";
import { byRun, defineOperation, pathId } from "../operations/define";
import { listArtifacts, type ArtifactView } from "./artifacts";
import { openArtifact, uploadArtifact } from "./upload";

/** A run's artifacts: tasks upload them with their run's token, readers of the project list and download them. */

const RunParams = z.object({ id: pathId("run id") });
/** The catch-all segment `[...name]` arrives as its segments; the name is them joined by `/`. */
const ArtifactParams = RunParams.extend({
  name: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v.join("/") : v))
    .meta({ description: "the artifact's name, a relative path (its `/` kept as path separators, each segment URL-encoded)" }),
});

export const artifactJson = (runId: string, a: ArtifactView) => ({
  id: a.id,
  name: a.name,
  size: a.size,
  contentType: a.contentType,
  sha256: a.sha256,
  taskRunId: a.taskRunId,
  task: a.task,
  createdAt: a.createdAt.toISOString(),
  url: artifactUrl(runId, a.name),
});

export async function runArtifactsJson(db: Db, runId: string) {
  return { items: (await listArtifacts(db, runId)).map((a) => artifactJson(runId, a)) };
}

export const listArtifactsOp = defineOperation({
  name: "run.artifacts",
  summary: "The files the run's tasks uploaded (name, size, SHA-256, task), with their download paths",
  method: "GET",
  path: "/api/v1/runs/{id}/artifacts",
  tags: ["artifacts"],
  params: RunParams,
  output: ArtifactListSchema,
  errors: { 404: "No such run, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byRun("id") },
  run: ({ db }, i) => runArtifactsJson(db, i.id),
});

export const downloadArtifactOp = defineOperation({
  name: "run.artifact.download",
  summary: "Download one artifact: Gantry streams it from its store (no store credentials or store URLs reach the caller)",
  method: "GET",
  path: "/api/v1/runs/{id}/artifacts/{name}",
  tags: ["artifacts"],
  params: ArtifactParams,
  errors: { 404: "No such run or artifact, or a run in a project the caller is not a member of" },
  produces: { type: "application/octet-stream", description: "The file, as an attachment (`X-Checksum-Sha256` carries its hash)" },
  authorize: { permission: "project.view", project: byRun("id") },
  run: ({ db }, i) => openArtifact(db, i.id, i.name),
});

export const uploadArtifactOp = defineOperation({
  name: "run.artifact.upload",
  summary: "Upload one file of a running task as an artifact of its run (what the `artifact-upload` template does)",
  description:
    "No session or API token: `Authorization: Bearer $GANTRY_ARTIFACT_TOKEN`, the token the operator gives each task run, valid " +
    "while that task runs and only for its own run (401 when missing, malformed or expired; 403 for another run or a finished task). " +
    "The body is the file's bytes; `Content-Type` is kept when given. An artifact of the same name in the run is replaced.",
  method: "PUT",
  path: "/api/v1/runs/{id}/artifacts/{name}",
  tags: ["artifacts"],
  params: ArtifactParams,
  body: z.custom<ReadableStream<Uint8Array> | null>().meta({ description: "the file's bytes" }),
  bodyTypes: ["raw"],
  output: ArtifactSchema,
  status: 201,
  errors: { 400: "A name that is not a plain relative path", 404: "No such run", 413: "Over GANTRY_ARTIFACTS_MAX_BYTES" },
  authorize: "public-signed",
  run: async ({ db, headers, clock }, i) => {
    const a = await uploadArtifact(db, {
      runId: i.id,
      name: i.name,
      authorization: headers?.get("authorization") ?? null,
      contentType: headers?.get("content-type") ?? null,
      body: i.body,
      now: clock.now(),
    });
    return artifactJson(i.id, a);
  },
});

export const artifactOperations = [listArtifactsOp, downloadArtifactOp, uploadArtifactOp];
