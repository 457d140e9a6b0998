import { z } from "zod";

/** A run's artifacts as the REST API and the run page show them (server/artifacts). */

export const ArtifactSchema = z.object({
  id: z.string(),
  name: z.string().meta({ description: "the file's path as the task uploaded it, relative to its upload directory (`dist/app.tgz`)" }),
  size: z.number().int().meta({ description: "bytes" }),
  contentType: z.string().nullable(),
  sha256: z.string().nullable().meta({ description: "hex SHA-256 of the bytes, computed by Gantry on upload" }),
  taskRunId: z.string().nullable(),
  task: z.string().nullable().meta({ description: "the task that uploaded it" }),
  createdAt: z.string().meta({ format: "date-time", description: "UTC, ISO 8601 with milliseconds" }),
  url: z.string().meta({ description: "download path through Gantry (`GET /api/v1/runs/{id}/artifacts/{name}`)" }),
});
export type Artifact = z.infer<typeof ArtifactSchema>;

export const ArtifactListSchema = z.object({ items: z.array(ArtifactSchema) });

/** The download path of an artifact: its name's segments encoded one by one, slashes kept. */
export const artifactUrl = (runId: string, name: string) =>
  `/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${name.split("/").map(encodeURIComponent).join("/")}`;
