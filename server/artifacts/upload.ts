import { Readable } from "node:stream";
import { AppError } from "@/lib/errors";
import type { Db } from "../db/client";
import { keyring } from "../secrets/crypto";
import { artifactOwner, checkUploader, getArtifact, recordArtifact, type ArtifactView } from "./artifacts";
import { artifactNameProblem, storageKey } from "./keys";
import { stageUpload } from "./stage";
import { config } from "../config";
import { artifactStore } from "./store";
import { verifyUploadToken } from "./token";

/** A task's upload: token, then name, then the bytes to the store, then the row. */
export async function uploadArtifact(
  db: Db,
  i: {
    runId: string;
    name: string;
    authorization: string | null;
    contentType: string | null;
    body: ReadableStream<Uint8Array> | null;
    now: Date;
  },
): Promise<ArtifactView> {
  const token = /^Bearer\s+(\S+)$/i.exec(i.authorization ?? "")?.[1];
  const grant = token ? verifyUploadToken(keyring(), token, Math.floor(i.now.getTime() / 1000)) : null;
  if (!grant) {
    throw new AppError(
      "unauthorized",
      "an artifact upload needs `Authorization: Bearer $GANTRY_ARTIFACT_TOKEN` (the token Gantry gives each task); this one is missing, malformed or expired",
    );
  }
  await checkUploader(db, i.runId, grant.taskRunId);
  const problem = artifactNameProblem(i.name);
  if (problem) throw new AppError("bad_request", problem);
  const owner = await artifactOwner(db, i.runId);
  const staged = await stageUpload(i.body, config().GANTRY_ARTIFACTS_MAX_BYTES);
  try {
    const key = storageKey(owner, i.name);
    const contentType = i.contentType && /^[\w.+-]+\/[\w.+-]+/.test(i.contentType) ? i.contentType.split(";")[0].trim() : null;
    await artifactStore().put(key, staged.file, { size: staged.size, contentType });
    return await recordArtifact(db, {
      runId: i.runId,
      taskRunId: grant.taskRunId,
      name: i.name,
      size: staged.size,
      contentType,
      sha256: staged.sha256,
      storageKey: key,
    });
  } finally {
    await staged.remove();
  }
}

/** The artifact's row and its bytes from the store, for a reader whose permission was checked. */
export async function openArtifact(db: Db, runId: string, name: string): Promise<{ artifact: ArtifactView; body: ReadableStream }> {
  const artifact = await getArtifact(db, runId, name);
  const stream = await artifactStore().get(artifact.storageKey);
  return { artifact, body: Readable.toWeb(stream) as ReadableStream };
}
