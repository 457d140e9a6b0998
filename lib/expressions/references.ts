import { parseTemplate, type TemplatePart } from "./template";

/**
 * What a `{{ … }}` reference may name, and when its value is known:
 * - `run`: when the run is created (params, git, event, pipeline, project, a matrix task's values);
 * - `start`: when the task starts (the run's id and number, results and status of earlier tasks,
 *   the run's status in `finally`);
 * - `secret`: never written anywhere; the operator hands the value to the process as env.
 */
export type RefPhase = "run" | "start" | "secret";

export const GIT_FIELDS = ["sha", "shortSha", "branch", "tag", "ref", "url"] as const;
export const EVENT_FIELDS = ["type", "issueKeys", "image", "fork"] as const;
const RUN_FIELDS = ["id", "number"] as const;

/** What a reference may see at one field of the spec. */
export interface RefScope {
  /** The pipeline's params, and whether each is secret. */
  params: ReadonlyMap<string, { secret: boolean }>;
  /** Tasks that end before this field is used, with the results each declares. */
  tasks: ReadonlyMap<string, readonly string[]>;
  /** The field is one a template marks secret: `secrets.NAME` and secret params are allowed, and only they. */
  secretField: boolean;
  /** The project's secrets when known (save checks that a named one exists), else null. */
  projectSecrets: ReadonlySet<string> | null;
  /** `finally` tasks see the run's status. */
  inFinally: boolean;
  /** Only values known when the run is created (timeouts, the repository's revision). */
  runPhaseOnly: boolean;
  /** The axes of the task's `matrix` (`{{ matrix.NAME }}`); absent outside a matrix task. */
  matrix?: ReadonlySet<string>;
  /** Visible tasks that have a matrix: their results are one per combination, so naming one is ambiguous. */
  matrixTasks?: ReadonlySet<string>;
}

export type RefCheck = { ok: true; phase: RefPhase } | { ok: false; message: string };

const list = (xs: readonly string[]) => (xs.length ? xs.join(", ") : "none");

/** Whether one reference may be used where `scope` says, and when its value is known. */
export function checkRef(path: readonly string[], scope: RefScope): RefCheck {
  const [head, ...rest] = path;
  const bad = (message: string): RefCheck => ({ ok: false, message });
  const at = (phase: RefPhase): RefCheck => {
    if (phase === "start" && scope.runPhaseOnly)
      return bad(`'${path.join(".")}' is known only when a task starts; this field is set when the run is created`);
    if (phase === "secret" && !scope.secretField) return bad(secretElsewhere(path));
    return { ok: true, phase };
  };
  switch (head) {
    case "params": {
      if (rest.length !== 1) return bad("write {{ params.NAME }}");
      const p = scope.params.get(rest[0]);
      if (!p) return bad(`unknown param '${rest[0]}' (declared: ${list([...scope.params.keys()])})`);
      if (p.secret) return at("secret");
      return scope.secretField ? bad(literalSecret()) : at("run");
    }
    case "secrets": {
      if (rest.length !== 1) return bad("write {{ secrets.NAME }}");
      if (scope.projectSecrets && !scope.projectSecrets.has(rest[0]))
        return bad(`the project has no secret '${rest[0]}' (create it under the project's Secrets first)`);
      return at("secret");
    }
    case "git":
      if (rest.length !== 1 || !(GIT_FIELDS as readonly string[]).includes(rest[0]))
        return bad(`unknown git field (known: ${GIT_FIELDS.join(", ")})`);
      return scope.secretField ? bad(literalSecret()) : at("run");
    case "event":
      if (rest.length === 2 && rest[0] === "mr" && rest[1] === "iid") return scope.secretField ? bad(literalSecret()) : at("run");
      if (rest.length !== 1 || !(EVENT_FIELDS as readonly string[]).includes(rest[0]))
        return bad(`unknown event field (known: ${EVENT_FIELDS.join(", ")}, mr.iid)`);
      return scope.secretField ? bad(literalSecret()) : at("run");
    case "run":
      if (rest.length === 1 && rest[0] === "status") {
        if (!scope.inFinally) return bad("{{ run.status }} is known only in `finally` tasks");
        return scope.secretField ? bad(literalSecret()) : at("start");
      }
      if (rest.length !== 1 || !(RUN_FIELDS as readonly string[]).includes(rest[0]))
        return bad("unknown run field (known: id, number, status)");
      // Known at start: a re-run keeps its source's plans but has its own id and number.
      return scope.secretField ? bad(literalSecret()) : at("start");
    case "pipeline":
      if (rest.length !== 1 || rest[0] !== "name") return bad("write {{ pipeline.name }}");
      return scope.secretField ? bad(literalSecret()) : at("run");
    case "project":
      if (rest.length !== 1 || rest[0] !== "slug") return bad("write {{ project.slug }}");
      return scope.secretField ? bad(literalSecret()) : at("run");
    case "matrix":
      if (!scope.matrix) return bad("{{ matrix.NAME }} is known only in a task with a `matrix`");
      if (rest.length !== 1 || !scope.matrix.has(rest[0]))
        return bad(`unknown matrix axis '${rest.join(".")}' (this task's axes: ${list([...scope.matrix])})`);
      return scope.secretField ? bad(literalSecret()) : at("run");
    case "tasks": {
      const [task, kind, name, ...more] = rest;
      if (!task || !(kind === "status" ? name === undefined : kind === "results" && name !== undefined && more.length === 0))
        return bad("write {{ tasks.TASK.results.NAME }} or {{ tasks.TASK.status }}");
      const results = scope.tasks.get(task);
      if (!results) return bad(`task '${task}' does not end before this one (tasks it may use: ${list([...scope.tasks.keys()])})`);
      if (kind === "results" && scope.matrixTasks?.has(task))
        return bad(
          `task '${task}' has a matrix: it writes its results once per combination, so '${name}' is ambiguous (use tasks.${task}.status)`,
        );
      if (kind === "results" && !results.includes(name))
        return bad(`task '${task}' declares no result '${name}' (its results: ${list(results)})`);
      return scope.secretField ? bad(literalSecret()) : at("start");
    }
    default:
      return bad(`unknown reference '${path.join(".")}' (use params, git, event, run, pipeline, project, tasks, matrix or secrets)`);
  }
}

const literalSecret = () => "this param is secret: use {{ secrets.NAME }} (a project secret) or a secret run param, not a value";
const secretElsewhere = (path: readonly string[]) =>
  `'${path.join(".")}' is secret and may be used only in a param its template marks secret, which reaches the task as an environment variable`;

export interface TextProblem {
  message: string;
}

/**
 * Problems of one text field: a malformed `{{`, or references `scope` does not allow. A secret
 * field must be exactly one secret reference; anything else there is refused.
 */
export function checkText(s: string, scope: RefScope): string[] {
  const p = parseTemplate(s);
  const refs = p.parts.filter((x): x is Extract<TemplatePart, { kind: "ref" }> => x.kind === "ref");
  if (scope.secretField) {
    if (refs.length !== 1 || p.parts.length !== 1) return [literalSecret()];
  }
  const out: string[] = [];
  for (const r of refs) {
    const c = checkRef(r.path, scope);
    if (!c.ok) out.push(`{{ ${r.raw} }}: ${c.message}`);
  }
  return out;
}
