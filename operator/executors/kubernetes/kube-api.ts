import http from "node:http";
import https from "node:https";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { observeKubeApi } from "@/server/metrics/operator";
import { GROUP, PLURAL, VERSION } from "./buildjob-schema";

/**
 * A small REST client over the kubeconfig's credentials. The generated client-node APIs cover
 * neither status subresources of custom objects with merge patches nor streaming logs with our
 * own reconnect rules well, and one `request` is easy to reason about in the write budget.
 */

export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    /** The Status object's `reason` (AlreadyExists, NotFound, Conflict, Forbidden, Invalid…). */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeApiError && e.code === 404;

/**
 * Trouble that passes: the apiserver throttling (429, API Priority and Fairness), failing for a
 * moment (5xx), or not reachable or not answering (a restart, a pause). Anything else, a 4xx
 * about the request itself among them, would fail the same way again.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof KubeApiError) return e.code === 429 || e.code >= 500;
  // Socket errors (ECONNREFUSED, ECONNRESET…) carry a code; a request nobody answered says so.
  return e instanceof Error && ("code" in e || /: no answer in \d+s$/.test(e.message));
}

/**
 * Calls `fn` again while it fails transiently (`transient`: the apiserver's trouble by default), with exponential back-off (a second at least after
 * a 429), for up to `forMs`; then, or on any other error, throws what it threw last.
 */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  forMs: number,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  transient: (e: unknown) => boolean = isTransient,
) {
  const deadline = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const delay = Math.min(5000, Math.max(e instanceof KubeApiError && e.code === 429 ? 1000 : 0, 200 * 2 ** attempt));
      if (!transient(e) || Date.now() + delay > deadline) throw e;
      await sleep(delay);
    }
  }
}
export const isAlreadyExists = (e: unknown) => e instanceof KubeApiError && e.code === 409 && e.reason === "AlreadyExists";
export const isConflict = (e: unknown) => e instanceof KubeApiError && e.code === 409;

export type Query = Record<string, string | number | boolean | undefined>;

export const MERGE_PATCH = "application/merge-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** Loads KUBECONFIG, else ~/.kube/config, else the in-cluster service account; null when there is none. */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig | null {
  const kc = new KubeConfig();
  if (env.KUBECONFIG) {
    kc.loadFromDefault();
    return kc;
  }
  const home = path.join(os.homedir(), ".kube", "config");
  if (existsSync(home)) {
    kc.loadFromFile(home);
    return kc;
  }
  if (env.KUBERNETES_SERVICE_HOST && existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token")) {
    kc.loadFromCluster();
    return kc;
  }
  return null;
}

/** Idle connections are closed before the apiserver's own 90 s idle timeout would. */
const IDLE_SOCKET_MS = 30_000;

export class KubeApi {
  private readonly server: URL;
  private readonly proxied: boolean;
  /** The keep-alive agent every request shares, with the TLS material it was made with. */
  private pooled: { agent: http.Agent; tls: unknown[] } | null = null;

  constructor(readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
    this.proxied = !!cluster.proxyUrl;
  }

  get<T>(p: string, query?: Query): Promise<T> {
    return this.request<T>("GET", p, { query });
  }
  create<T>(p: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>("POST", p, { body, query });
  }
  mergePatch<T>(p: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", p, { body, contentType: MERGE_PATCH });
  }
  /** Server-side apply as the operator's field manager, taking over conflicting fields. */
  apply<T>(p: string, body: unknown, fieldManager = "gantry-operator"): Promise<T> {
    return this.request<T>("PATCH", p, { body, contentType: APPLY_PATCH, query: { fieldManager, force: true } });
  }
  put<T>(p: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", p, { body });
  }
  delete<T>(p: string, body?: unknown): Promise<T> {
    return this.request<T>("DELETE", p, { body });
  }

  async request<T>(method: string, p: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, p, opts);
    const text = await readAll(res);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The response as a stream (pod logs with follow=true); rejects on an error status. */
  async stream(p: string, query: Query, signal?: AbortSignal): Promise<http.IncomingMessage> {
    return this.open("GET", p, { query, signal });
  }

  /** Counted by verb and status code (gantry_kube_api_requests_total). */
  private async open(method: string, p: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const t0 = performance.now();
    const verb = opts.query?.watch ? "WATCH" : method === "GET" && opts.query?.follow ? "STREAM" : method;
    try {
      const res = await this.send(method, p, opts);
      observeKubeApi(verb, res.statusCode ?? 0, t0);
      return res;
    } catch (e) {
      observeKubeApi(verb, e instanceof KubeApiError ? e.code : 0, t0);
      throw e;
    }
  }

  private async send(method: string, p: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.server.toString());
    url.pathname = `${url.pathname.replace(/\/$/, "")}${p}`;
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const reqOpts: https.RequestOptions = { method, headers: { Accept: "application/json" } };
    // Credentials are applied for every request (a token may have been refreshed); the agent
    // that client-node makes with them is swapped for the shared one.
    await this.kc.applyToHTTPSOptions(reqOpts);
    if (!this.proxied && reqOpts.agent instanceof http.Agent) reqOpts.agent = this.shared(reqOpts.agent);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) {
      reqOpts.headers = {
        ...reqOpts.headers,
        "Content-Type": opts.contentType ?? "application/json",
        "Content-Length": Buffer.byteLength(body),
      };
    }
    const mod = url.protocol === "http:" ? http : https;
    const attempt = () =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = mod.request(url, { ...reqOpts, signal: opts.signal }, resolve);
        req.on("error", (e: NodeJS.ErrnoException) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
        req.setTimeout(opts.signal ? 0 : 30_000, () => req.destroy(new Error(`${method} ${p}: no answer in 30s`)));
        if (body !== undefined) req.write(body);
        req.end();
      });
    const res = await attempt().catch((e: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      // An idle connection the server closed just as it was reused: the request never reached
      // it, so it is sent once more, on a new connection.
      if (e.reusedSocket && e.code === "ECONNRESET") return attempt();
      throw e;
    });
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res).catch(() => "");
      let reason = "";
      let message = text.slice(0, 2000);
      try {
        const st = JSON.parse(text) as { reason?: string; message?: string };
        reason = st.reason ?? "";
        message = st.message ?? message;
      } catch {
        // Not a Status object (a proxy's page, a truncated body): its text is the message.
      }
      throw new KubeApiError(res.statusCode ?? 500, reason, `${method} ${p}: ${res.statusCode} ${message}`);
    }
    return res;
  }

  /**
   * client-node makes a new agent per request, so each request opened its own TLS connection:
   * a handshake (and the kubeconfig's certificates parsed again) before every BuildJob, Job and
   * status write. At 5 runs/s that was a third of the operator's busy CPU (bench:kube profile)
   * and extra round trips on each call. One keep-alive agent is kept while the TLS material
   * stays the same.
   */
  private shared(fresh: http.Agent): http.Agent {
    const o = (fresh as http.Agent & { options: https.AgentOptions }).options;
    const tls = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername];
    if (this.pooled && sameValues(this.pooled.tls, tls)) return this.pooled.agent;
    const options = { ...o, keepAlive: true, timeout: IDLE_SOCKET_MS };
    const agent = fresh instanceof https.Agent ? new https.Agent(options) : new http.Agent(options);
    // The old agent's connections finish what they carry, then close after the idle timeout.
    this.pooled = { agent, tls };
    return agent;
  }
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => (Buffer.isBuffer(x) && Buffer.isBuffer(b[i]) ? x.equals(b[i]) : x === b[i]));
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on("data", (d: Buffer) => parts.push(d));
    res.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    res.on("error", reject);
  });
}

// ---------------------------------------------------------------- paths

export const paths = {
  buildJobs: (ns?: string) => (ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`),
  buildJob: (ns: string, name: string) => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}`,
  buildJobStatus: (ns: string, name: string) => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}/status`,
  jobs: (ns?: string) => (ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : `/apis/batch/v1/jobs`),
  job: (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/jobs/${name}`,
  pods: (ns?: string) => (ns ? `/api/v1/namespaces/${ns}/pods` : `/api/v1/pods`),
  podLog: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}/log`,
  events: (ns: string) => `/api/v1/namespaces/${ns}/events`,
  pvcs: (ns: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
  pvc: (ns: string, name: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`,
  secrets: (ns: string) => `/api/v1/namespaces/${ns}/secrets`,
  namespace: (name: string) => `/api/v1/namespaces/${name}`,
  resourceQuota: (ns: string, name: string) => `/api/v1/namespaces/${ns}/resourcequotas/${name}`,
  limitRange: (ns: string, name: string) => `/api/v1/namespaces/${ns}/limitranges/${name}`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
  lease: (ns: string, name: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
  crd: (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
};
