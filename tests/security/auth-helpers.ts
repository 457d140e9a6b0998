import http from "node:http";
import { testEnv } from "../api-helpers";

/**
 * Raw HTTP for the sign-in and client-address attacks: from a chosen local source address
 * (127.0.0.2 is the test stack's trusted proxy, GANTRY_TRUSTED_PROXIES in scripts/gantry.ts;
 * 127.0.0.3 and up are ordinary clients) with whatever headers an attacker would send.
 */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => any;
}

export interface RawOptions {
  headers?: Record<string, string>;
  body?: string;
  /** The TCP source address; the server sees it as the peer. */
  from?: string;
}

export function raw(method: string, path: string, opts: RawOptions = {}): Promise<RawResponse> {
  const base = new URL(testEnv().url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: base.port,
        method,
        path,
        localAddress: opts.from,
        headers: {
          host: base.host,
          ...(opts.body !== undefined ? { "content-length": Buffer.byteLength(opts.body) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

const cookiesOf = (res: RawResponse) => (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]);

export interface SignInResult {
  /** The session cookie (`name=value`) when the sign-in succeeded. */
  session: string | null;
  /** next-auth's error code: `CredentialsSignin`, `locked:<seconds>` … */
  error: string | null;
}

/** A password sign-in through next-auth's credentials callback, as the login form does it. */
export async function signIn(
  username: string,
  password: string,
  opts: { from?: string; forwardedFor?: string } = {},
): Promise<SignInResult> {
  const { url } = testEnv();
  const extra: Record<string, string> = opts.forwardedFor ? { "x-forwarded-for": opts.forwardedFor } : {};
  const csrf = await raw("GET", "/api/auth/csrf", { from: opts.from, headers: extra });
  if (csrf.status !== 200) throw new Error(`GET /api/auth/csrf answered ${csrf.status}: ${csrf.text}`);
  const body = new URLSearchParams({
    csrfToken: csrf.json().csrfToken,
    username,
    password,
    json: "true",
    callbackUrl: url + "/",
  }).toString();
  const res = await raw("POST", "/api/auth/callback/credentials", {
    from: opts.from,
    body,
    headers: { ...extra, "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf).join("; "), origin: url },
  });
  const session = cookiesOf(res).find((c) => c.startsWith("next-auth.session-token=")) ?? null;
  let error: string | null = null;
  // With `json=true` next-auth answers {url} (401 for a refused sign-in) instead of redirecting.
  if ((res.status === 200 || res.status === 401) && /json/.test(String(res.headers["content-type"]))) {
    const target = new URL(res.json().url, url);
    error = target.searchParams.get("error");
  } else if (res.status >= 300 && res.status < 400) {
    error = new URL(String(res.headers.location), url).searchParams.get("error");
  } else {
    throw new Error(`sign-in answered ${res.status}: ${res.text}`);
  }
  return { session: error ? null : session, error };
}
