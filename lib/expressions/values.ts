import type { Value } from "./template";

/**
 * Where the values of references come from: `runValues` when the run is created, `startValues`
 * when a task starts. Each gives a lookup for `render` (lib/expressions/template.ts); a path it
 * does not know gives undefined, which leaves the reference for the later pass.
 */

export interface RunValues {
  /** The run's non-secret params (secret ones never enter a plan). */
  params: Record<string, string>;
  git: { sha?: string | null; branch?: string | null; tag?: string | null; ref?: string | null; url?: string | null };
  event: {
    type?: string | null;
    issueKeys?: readonly string[] | null;
    image?: string | null;
    mrIid?: number | null;
    /** A pull/merge request from another repository (server/hooks/providers.ts). */
    fork?: boolean | null;
  } | null;
  pipeline: { name: string };
  project: { slug: string };
  /** The combination of a matrix task's task run (`{{ matrix.NODE }}`). */
  matrix?: Record<string, string>;
}

export function runLookup(v: RunValues): (path: string[]) => Value | undefined {
  return (path) => {
    const [head, a, b] = path;
    switch (head) {
      case "params":
        return path.length === 2 ? v.params[a] : undefined;
      case "git": {
        if (path.length !== 2) return undefined;
        if (a === "shortSha") return (v.git.sha ?? "").slice(0, 7);
        if (a === "sha" || a === "branch" || a === "tag" || a === "ref" || a === "url") return v.git[a] ?? "";
        return undefined;
      }
      case "event":
        if (a === "mr" && b === "iid" && path.length === 3) return v.event?.mrIid == null ? "" : String(v.event.mrIid);
        if (path.length !== 2) return undefined;
        if (a === "type") return v.event?.type ?? "manual";
        if (a === "issueKeys") return (v.event?.issueKeys ?? []).join(",");
        if (a === "image") return v.event?.image ?? "";
        if (a === "fork") return v.event?.fork === true ? "true" : "false";
        return undefined;
      case "pipeline":
        return a === "name" && path.length === 2 ? v.pipeline.name : undefined;
      case "project":
        return a === "slug" && path.length === 2 ? v.project.slug : undefined;
      case "matrix":
        return path.length === 2 ? v.matrix?.[a] : undefined;
      default:
        return undefined;
    }
  };
}

export interface TaskOutcome {
  status: string;
  results: Record<string, string>;
}

export interface StartValues {
  run: { id: string; number: number; status?: string };
  tasks: Record<string, TaskOutcome>;
}

export function startLookup(v: StartValues): (path: string[]) => Value | undefined {
  return (path) => {
    const [head, a, b, c] = path;
    if (head === "run" && path.length === 2) {
      if (a === "id") return v.run.id;
      if (a === "number") return String(v.run.number);
      if (a === "status") return v.run.status;
      return undefined;
    }
    if (head === "tasks") {
      const t = v.tasks[a];
      if (!t) return undefined;
      if (b === "status" && path.length === 3) return t.status;
      if (b === "results" && path.length === 4) return t.results[c];
    }
    return undefined;
  };
}

/** The run's commit and ref: from its trigger event when there is one, else from the checkout. */
export function gitValues(
  event:
    { sha?: string | null; branch?: string | null; tag?: string | null; ref?: string | null; repoUrl?: string | null } | null | undefined,
  checkout: { url: string; revision: string } | null,
  ref: string | null | undefined,
): RunValues["git"] {
  const rev = checkout?.revision ?? "";
  const isSha = /^[0-9a-f]{40}$/i.test(rev);
  const branchFromRef = ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
  const tagFromRef = ref?.startsWith("refs/tags/") ? ref.slice("refs/tags/".length) : null;
  const branch =
    event?.branch ??
    branchFromRef ??
    (rev && !isSha && rev !== "HEAD" && !rev.startsWith("refs/tags/") ? rev.replace(/^refs\/heads\//, "") : null);
  const tag = event?.tag ?? tagFromRef ?? (rev.startsWith("refs/tags/") ? rev.slice("refs/tags/".length) : null);
  return {
    sha: event?.sha ?? (isSha ? rev.toLowerCase() : null),
    branch,
    tag,
    ref: event?.ref ?? ref ?? (branch ? `refs/heads/${branch}` : tag ? `refs/tags/${tag}` : null),
    url: event?.repoUrl ?? checkout?.url ?? null,
  };
}
