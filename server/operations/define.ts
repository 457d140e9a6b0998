import { z } from "zod";
import type { Action } from "@/lib/permissions";
import { audit as writeAudit, type AuditEntry } from "../audit/audit";
import {
  checkScope,
  requirePipeline,
  requireProject,
  requireRun,
  requireSiteAdmin,
  requireTaskRun,
  type Actor,
  type ProjectAccess,
} from "../authz/authz";
import type { Db } from "../db/client";
import { systemClock, type Clock } from "../schedules/clock";

/**
 * A use case declared once (STYLE.md #4): its input and output schemas, the permission it needs
 * and how its project is found, what it audits and the function that does it. REST routes,
 * server actions and pages call it through the adapters in `./rest.ts` and `./call.ts`; the
 * OpenAPI document is generated from the list in `./registry.ts`. The check and the audit record
 * happen in `invoke` below, so no entry point can forget them.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What the permission check found: the project and the caller's role there, or null when the operation has no project. */
export type Access = ProjectAccess | null;

/**
 * Finds the project an input belongs to and checks the actor's role there (the one check in
 * server/authz); null when there is none to check (then only the token's scope is).
 */
export type Locator<I> = (db: Db, actor: Actor, action: Action, input: I) => Promise<Access>;

/** When a project-permission operation needs no caller at all (a badge of a project that publishes its badges). */
export interface PublicWhen<I> {
  /** For the document: "… without credentials when <when>". */
  when: string;
  check: (db: Db, input: I) => Promise<boolean>;
}

export type Authorize<I> =
  /** A project permission; without `project` (or when it finds none) only the token's scope is checked. */
  | { permission: Action; project?: Locator<I>; scope?: Action; public?: PublicWhen<I> }
  /** Site administrators only; `what` completes "only site administrators may …". */
  | { siteAdmin: string }
  /** Any signed-in caller; the operation limits what it returns to what the caller may see. */
  | "authenticated"
  /** No caller: the request proves itself (a webhook's signature). */
  | "public-signed";

/** What `run` and `audit` get. */
export interface OperationContext {
  db: Db;
  /** Null only for "public-signed" operations. */
  actor: Actor;
  /** The project the permission was checked in, when the operation has one. */
  access: Access;
  /**
   * The same, for an operation whose locator always finds its project or refuses (byProject,
   * byPipeline, byRun, byTaskRun): reading it in an operation without one is a mistake in its
   * declaration, and throws saying so.
   */
  readonly project: ProjectAccess;
  /** Which adapter called: the REST API, or a server action / page. */
  entry: "rest" | "call";
  /** The request's headers, for the REST adapter (a webhook's signature); null otherwise. */
  headers: Headers | null;
  /** Time, injected so that tests can set it. */
  clock: Clock;
}

/** How an adapter calls: which one it is, the request's headers, and the clock (tests set it). */
export interface InvokeOptions {
  entry?: "rest" | "call";
  headers?: Headers | null;
  clock?: Clock;
}

type Shape = z.ZodObject;
type Out<S> = S extends z.ZodType ? z.output<S> : object;

/** The input an operation's `run` gets: path params and query fields side by side, the body under `body`. */
export type OperationInput<P, Q, B, X = undefined> = Out<P> & Out<Q> & Out<X> & (B extends z.ZodType ? { body: z.output<B> } : object);

/** How a declared operation is reached over HTTP: the REST route and the OpenAPI document read this. */
export interface HttpDescription {
  summary: string;
  description?: string;
  method: HttpMethod;
  /** OpenAPI form, `/api/v1/runs/{id}/cancel` */
  path: string;
  tags: string[];
  /** How the body may be sent; YAML bodies are parsed like JSON ones. Default json. */
  bodyTypes?: ("json" | "yaml" | "raw")[];
  /** Extra header parameters the route reads (If-Match, X-Gantry-Message), for the document. */
  headers?: { name: string; description: string }[];
  output?: z.ZodType;
  /** The success status; 204 means no body. */
  status?: 200 | 201 | 202 | 204;
  /** What other than success this may answer, with why (401/403/503 are implied by authorize). */
  errors?: Partial<Record<400 | 404 | 409 | 413 | 415 | 422, string>>;
  /** For a response that is not JSON (YAML, text, SSE): its content type, for the document. */
  produces?: { type: string; description: string; events?: z.ZodType[] };
}

export interface OperationSpec<
  P extends Shape | undefined,
  Q extends Shape | undefined,
  B extends z.ZodType | undefined,
  O,
  X extends Shape | undefined = undefined,
> extends HttpDescription {
  /** dotted, e.g. `run.cancel`; also the OpenAPI operationId */
  name: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Input an adapter supplies beside the URL and body (the YAML text a spec was read from, the
   * project a page's switcher chose); not part of the HTTP description.
   */
  extra?: X;
  authorize: Authorize<OperationInput<P, Q, B, X>>;
  audit?: (input: OperationInput<P, Q, B, X>, output: O, ctx: OperationContext) => AuditEntry | null | Promise<AuditEntry | null>;
  run: (ctx: OperationContext, input: OperationInput<P, Q, B, X>) => Promise<O>;
}

/** A declaration as every adapter calls it: how its input is parsed, the check, the function and the record. */
export interface Callable<I, O> {
  name: string;
  params?: Shape;
  query?: Shape;
  body?: z.ZodType;
  extra?: Shape;
  authorize: Authorize<I>;
  // A method, so that an operation is one of these whatever its output: the output is an
  // argument here, and a declaration's `audit` takes its own output type.
  audit?(input: I, output: O, ctx: OperationContext): AuditEntry | null | Promise<AuditEntry | null>;
  run: (ctx: OperationContext, input: I) => Promise<O>;
}

/** A declared operation: callable, and served by a REST route described in the OpenAPI document. */
export interface Operation<I, O> extends Callable<I, O>, HttpDescription {}

/** Any operation, whatever its input and output: the registry's list, which the OpenAPI document reads. */
export type AnyOperation = Operation<never, unknown>;

export function defineOperation<
  P extends Shape | undefined = undefined,
  Q extends Shape | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  O = unknown,
  X extends Shape | undefined = undefined,
>(spec: OperationSpec<P, Q, B, O, X>): Operation<OperationInput<P, Q, B, X>, O> {
  return spec;
}

/**
 * What a page shows that no REST route serves (the version history with its runs, what a template
 * is used by): declared like an operation, with its permission, and called with `pageCall`; it is
 * not in the OpenAPI document. Reads only, so nothing to audit.
 */
export interface ViewSpec<P extends Shape | undefined, Q extends Shape | undefined, O, X extends Shape | undefined> {
  /** dotted, like an operation's */
  name: string;
  summary: string;
  params?: P;
  query?: Q;
  extra?: X;
  authorize: Authorize<OperationInput<P, Q, undefined, X>>;
  run: (ctx: OperationContext, input: OperationInput<P, Q, undefined, X>) => Promise<O>;
}

export function defineView<
  P extends Shape | undefined = undefined,
  Q extends Shape | undefined = undefined,
  O = unknown,
  X extends Shape | undefined = undefined,
>(spec: ViewSpec<P, Q, O, X>): Callable<OperationInput<P, Q, undefined, X>, O> {
  return spec;
}

/** The permission check the declaration asks for. */
export async function authorizeOperation<I>(op: Callable<I, unknown>, db: Db, actor: Actor | null, input: I): Promise<Access> {
  const a = op.authorize;
  if (a === "public-signed") return null;
  if (await isPublic(op, db, input)) return null;
  if (!actor) throw new Error(`operation ${op.name} needs a caller`);
  if (a === "authenticated") return null;
  if ("siteAdmin" in a) {
    requireSiteAdmin(actor, a.siteAdmin);
    return null;
  }
  const access = a.project ? await a.project(db, actor, a.permission, input) : null;
  if (!access) checkScope(actor, a.permission);
  // A token's scope may be checked for a stronger action than the role (approvers named by the gate).
  if (a.scope) checkScope(actor, a.scope);
  return access;
}

/** Whether this call needs no caller: the declaration's `public` condition holds for this input. */
export async function isPublic<I>(op: Callable<I, unknown>, db: Db, input: I): Promise<boolean> {
  const a = op.authorize;
  return typeof a === "object" && "permission" in a && a.public !== undefined && (await a.public.check(db, input));
}

/** Authorise, run, audit: the core every adapter goes through. */
export async function invoke<I, O>(op: Callable<I, O>, db: Db, actor: Actor | null, input: I, opts: InvokeOptions = {}): Promise<O> {
  return execute(op, db, actor, await authorizeOperation(op, db, actor, input), input, opts);
}

/**
 * Runs an operation already authorised (the REST adapter checks before it reads the body, so a
 * caller without access learns nothing from validation errors) and writes its audit record.
 * `access` must be what `authorizeOperation` returned for this operation and input.
 */
export async function execute<I, O>(
  op: Callable<I, O>,
  db: Db,
  actor: Actor | null,
  access: Access,
  input: I,
  opts: InvokeOptions = {},
): Promise<O> {
  const ctx: OperationContext = {
    db,
    // Only a "public-signed" operation runs without a caller, and it does not read one.
    actor: actor as Actor,
    access,
    get project() {
      if (!access) throw new Error(`operation ${op.name} read its project, but its authorize finds none`);
      return access;
    },
    entry: opts.entry ?? "call",
    headers: opts.headers ?? null,
    clock: opts.clock ?? systemClock,
  };
  const output = await op.run(ctx, input);
  const record = await op.audit?.(input, output, ctx);
  if (record && actor)
    await writeAudit(db, actor, { ...record, projectId: record.projectId === undefined ? (access?.projectId ?? null) : record.projectId });
  return output;
}

// Locators: how an operation's project is found, named by the input field that holds its key.

export const byProject =
  <K extends string>(key: K): Locator<Record<K, string>> =>
  (db, actor, action, i) =>
    requireProject(db, actor, i[key], action);

/** A project given optionally (`?project=`): without it, only the scope is checked. */
export const byOptionalProject =
  <K extends string>(key: K): Locator<Partial<Record<K, string>>> =>
  async (db, actor, action, i) => {
    const slug = i[key];
    return slug ? requireProject(db, actor, slug, action) : null;
  };

export const byPipeline =
  <K extends string>(key: K): Locator<Record<K, string>> =>
  (db, actor, action, i) =>
    requirePipeline(db, actor, i[key], action);

export const byRun =
  <K extends string>(key: K): Locator<Record<K, string>> =>
  (db, actor, action, i) =>
    requireRun(db, actor, i[key], action);

export const byTaskRun =
  <K extends string>(key: K): Locator<Record<K, string>> =>
  (db, actor, action, i) =>
    requireTaskRun(db, actor, i[key], action);

/** A path segment that must be a positive integer (a version number); a bad one is 400, as in the URL. */
export const versionNumber = z
  .string()
  .transform((v, ctx) => {
    if (/^[1-9]\d{0,8}$/.test(v)) return Number(v);
    ctx.addIssue({ code: "custom", message: `version must be a positive integer, got '${v}'` });
    return z.NEVER;
  })
  .meta({ description: "version number (a positive integer)" });

export const pathId = (description: string) => z.string().min(1).meta({ description });
