/**
 * Where an artifact lives in the store, and which names a task may give one. Keys are
 * `<prefix><project slug>/<pipeline id>/<run number>/<name>`: readable by project and run, stable
 * when a pipeline is renamed.
 */

export interface ArtifactOwner {
  projectSlug: string;
  pipelineId: string;
  runNumber: number;
}

export const runPrefix = (o: ArtifactOwner) => `${o.projectSlug}/${o.pipelineId}/${o.runNumber}/`;

export const storageKey = (o: ArtifactOwner, name: string) => runPrefix(o) + name;

/**
 * Why a name cannot be an artifact's (null when it can): a relative path of at most 512
 * characters, no empty, `.` or `..` segment, no backslash or control character, so that it can
 * neither leave its run's prefix nor differ from how it is shown.
 */
export function artifactNameProblem(name: string): string | null {
  if (!name) return "the artifact name is empty";
  if (name.length > 512) return `the artifact name is ${name.length} characters; at most 512`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return "the artifact name may not contain control characters or backslashes";
  const bad = name.split("/").find((s) => s === "" || s === "." || s === "..");
  if (bad !== undefined) return `the artifact name '${name}' has an empty, '.' or '..' segment`;
  return null;
}

/** What a download is served as: the recorded type, else a safe default (never rendered as a page). */
export function downloadHeaders(a: {
  name: string;
  size: number;
  contentType: string | null;
  sha256: string | null;
}): Record<string, string> {
  const base = a.name.split("/").pop() ?? a.name;
  return {
    "Content-Type": a.contentType && /^[\w.+-]+\/[\w.+-]+$/.test(a.contentType) ? a.contentType : "application/octet-stream",
    "Content-Length": String(a.size),
    // Always a download: an uploaded HTML file must not run as a page of Gantry's origin.
    "Content-Disposition": `attachment; filename="${base.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(base)}`,
    "X-Content-Type-Options": "nosniff",
    ...(a.sha256 ? { "X-Checksum-Sha256": a.sha256 } : {}),
  };
}
