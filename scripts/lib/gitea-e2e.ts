import path from "node:path";
import { randomBytes } from "node:crypto";
import { fail, freePort, ok, step } from "./proc";
import { ROOT, seedSecondDatabase, startApp } from "./stack";
import { fetchWithCa, type TestCa } from "./test-ca";
import { giteaUnavailableReason, startGitea } from "./tools/gitea";

/**
 * For the browser suite's "Sign in with Gitea" test (e2e/gitea-sso.spec.ts): Gitea as the OpenID
 * Connect provider of a second stack, set up the way docs/operations.md tells an administrator
 * to: an OAuth2 application registered in Gitea for the stack's callback, and the stack's generic
 * OIDC settings pointing at Gitea. The main stack keeps its own provider ("Test OIDC"). Reuses the
 * integration suite's Gitea when it runs, else starts one. Returns the environment for Playwright,
 * or nothing when Gitea cannot be had here (the test then says it was skipped; with CI=true this
 * fails instead).
 */
export async function startGiteaSsoStack(o: {
  /** Admin URL of the test MariaDB server (ends with `/`). */
  adminUrl: string;
  /** The Gantry admin password, the same as the main stack's. */
  password: string;
  /** The integration suite's Gitea (its URL ending with `/` and an admin API token), if it started one. */
  gitea?: { url: string; token: string };
  /** The test CA Gitea's certificate comes from (the stacks trust it through NODE_EXTRA_CA_CERTS). */
  ca: TestCa;
  cleanups: (() => Promise<void>)[];
}): Promise<Record<string, string>> {
  let gitea = o.gitea;
  if (!gitea) {
    const no = giteaUnavailableReason();
    if (no) {
      if (process.env.CI === "true") fail(`the Gitea sign-in browser test cannot run: ${no}`);
      console.warn(`\x1b[33m!\x1b[0m the Gitea sign-in browser test will be skipped: ${no}`);
      return {};
    }
    step("starting Gitea for the browser suite (built from its Go module the first time)…");
    const started = await startGitea({
      dir: path.join(ROOT, ".gantry/test-gitea-e2e"),
      port: await freePort(),
      tls: o.ca,
      log: (m) => console.log(`  ${m}`),
    });
    o.cleanups.push(started.stop);
    gitea = { url: started.url, token: started.admin.token };
  }
  const api = async <T>(method: string, apiPath: string, body: unknown): Promise<T> => {
    const res = await fetchWithCa(o.ca.caFile, `${gitea.url}api/v1${apiPath}`, {
      method,
      headers: { authorization: `token ${gitea.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Gitea ${method} ${apiPath} answered ${res.status}: ${res.text}`);
    return JSON.parse(res.text) as T;
  };

  // The person who signs in: a Gitea user with a password (active, so Gitea vouches for the email).
  const user = { login: `sso-${randomBytes(3).toString("hex")}`, password: randomBytes(18).toString("base64url") };
  const email = `${user.login}@example.test`;
  await api("POST", "/admin/users", { username: user.login, email, password: user.password, must_change_password: false });

  const port = await freePort();
  const callback = `http://localhost:${port}/api/auth/callback/oidc`;
  const app = await api<{ client_id: string; client_secret: string }>("POST", "/user/applications/oauth2", {
    name: "Gantry (browser tests)",
    redirect_uris: [callback],
    confidential_client: true,
  });

  const { url, token } = await seedSecondDatabase({
    adminUrl: o.adminUrl,
    name: "gantry_test_gitea_sso",
    password: o.password,
    tokenPrefix: "gtr_gitea_",
  });
  step(`starting a stack that signs in with Gitea for the browser suite on port ${port}…`);
  const stack = await startApp({
    databaseUrl: url,
    port,
    quiet: !process.env.GANTRY_TEST_VERBOSE,
    env: {
      GANTRY_OIDC_ISSUER: gitea.url,
      GANTRY_OIDC_CLIENT_ID: app.client_id,
      GANTRY_OIDC_CLIENT_SECRET: app.client_secret,
      GANTRY_OIDC_NAME: "Gitea",
      GANTRY_OPERATOR_ID: "e2e-gitea-sso",
      GANTRY_WORKSPACES: path.join(ROOT, ".gantry/test-gitea-sso-workspaces"),
      LOG_LEVEL: "warn",
      // No metrics port of its own (the main stack's suites test metrics).
      GANTRY_METRICS_PORT: "0",
    },
  });
  o.cleanups.push(stack.stop);
  ok(`the Gitea sign-in stack is up on ${stack.url} (Gitea ${gitea.url})`);
  return {
    GANTRY_E2E_GITEA_SSO_URL: stack.url,
    GANTRY_E2E_GITEA_SSO_TOKEN: token,
    GANTRY_E2E_GITEA_USER: user.login,
    GANTRY_E2E_GITEA_PASSWORD: user.password,
    GANTRY_E2E_GITEA_EMAIL: email,
  };
}
