import { testEnv } from "../api-helpers";

/**
 * Signs in through next-auth's credentials endpoint the way the login form does and returns the
 * `Cookie` header a browser would then send: what a forged cross-site request rides on.
 */
export async function signInCookie(username = "admin", password = process.env.GANTRY_E2E_PASSWORD ?? ""): Promise<string> {
  const { url } = testEnv();
  if (!password) throw new Error("GANTRY_E2E_PASSWORD (the admin password of the stack under test) is not set; `npm test` sets it");
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesOf(csrf.headers);
  const r = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: header(jar) },
    body: new URLSearchParams({ csrfToken, username, password, json: "true" }),
  });
  Object.assign(jar, cookiesOf(r.headers));
  if (!Object.keys(jar).some((k) => k.endsWith("next-auth.session-token"))) {
    throw new Error(`signing in as ${username} gave no session cookie (${r.status} ${await r.text()})`);
  }
  return header(jar);
}

function cookiesOf(h: Headers): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const c of h.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    jar[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return jar;
}

const header = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
