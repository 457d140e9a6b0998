import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

/**
 * The browser-side attacks of the security review, in Chromium against the running stack:
 * cross-site request forgery from a page on another port of the same host, open redirects
 * through the sign-in's callbackUrl, framing, and the Content-Security-Policy the app must pass.
 */

const app = new URL(process.env.GANTRY_E2E_URL ?? "http://localhost:3000");

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(new URL(path, app), {
    method,
    headers: { authorization: `Bearer ${process.env.GANTRY_TEST_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

/** Serves one HTML page on another port of the app's host name: same site, another origin. */
async function attackerSite(html: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://${app.hostname}:${(server.address() as AddressInfo).port}/`, server };
}

test.describe("cross-site request forgery", () => {
  test("a page on another port cannot make the signed-in admin's browser create an admin or cancel a run", async ({ page }) => {
    const mallory = `mallory-${randomBytes(3).toString("hex")}`;
    const payload = JSON.stringify({ username: mallory, name: "Mallory", password: "mallory-password-1", role: "admin" });
    const site = await attackerSite(`<!doctype html><title>cute cats</title>
      <form id="f" method="POST" action="${new URL("/api/v1/users", app)}" enctype="text/plain" target="sink">
        <input name='${payload.slice(0, -1)},"x":"' value='"}'>
      </form><iframe name="sink"></iframe>
      <script>
        fetch(${JSON.stringify(new URL("/api/v1/users", app).toString())}, { method: "POST", mode: "no-cors", credentials: "include", body: ${JSON.stringify(payload)} })
          .finally(() => document.getElementById("f").submit());
      </script>`);
    try {
      const refused: number[] = [];
      page.on("response", (r) => {
        if (r.url().endsWith("/api/v1/users") && r.request().method() === "POST") refused.push(r.status());
      });
      await page.goto(site.url);
      await expect.poll(() => refused.length, { message: "both forged requests reached the app" }).toBe(2);
      expect(refused, "the app refused both forged requests").toEqual([403, 403]);
    } finally {
      site.server.close();
    }
    const users = await api("GET", "/api/v1/users");
    expect(users.body.items.map((u: { username: string }) => u.username)).not.toContain(mallory);
  });

  test("the app's own pages still write as the signed-in user", async ({ page }) => {
    // A server action (creating a token) and a REST read from the browser work under the same rules.
    await page.goto("/settings/tokens");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const res = await page.evaluate(
      async () =>
        (
          await fetch("/api/v1/users", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: `own-${Date.now()}`, name: "Own page", role: "user" }),
          })
        ).status,
    );
    expect(res).toBe(201);
  });
});

test.describe("sign-in redirects", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  // Each is a value a naive "starts with one slash" check passes, or an absolute/script URL.
  const evil = [
    "/\t/evil.example/",
    "/\r/evil.example/",
    "/\n/evil.example/",
    "/\\evil.example/",
    "\\/evil.example/",
    "/%09/evil.example/",
    "/%2F%2Fevil.example/",
    "//evil.example/",
    "https://evil.example/",
    "https:/evil.example/",
    "javascript:alert(document.domain)",
  ];

  /** Fails the test if the browser ever requests another host or runs a script URL. */
  function watchOffSite(page: Page) {
    const offSite: string[] = [];
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (u.host !== app.host && u.protocol !== "data:") offSite.push(r.url());
    });
    page.on("dialog", (d) => {
      offSite.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return offSite;
  }

  for (const target of evil) {
    test(`signing in with callbackUrl=${JSON.stringify(target)} stays on the app`, async ({ page }) => {
      const offSite = watchOffSite(page);
      const login = new LoginPage(page);
      await login.goto(`/login?callbackUrl=${encodeURIComponent(target)}`);
      await login.signIn("admin", process.env.GANTRY_E2E_PASSWORD ?? "");
      // Wherever the browser goes next (a page of the app, or its 404 for an odd path), it is here.
      await page.waitForURL((u) => u.pathname !== "/login");
      await page.waitForLoadState("networkidle");
      expect(new URL(page.url()).origin).toBe(app.origin);
      // Signed in now: the login page redirects on the server, through the same rule.
      await page.goto(`/login?callbackUrl=${encodeURIComponent(target)}`);
      await page.waitForLoadState("networkidle");
      expect(new URL(page.url()).origin).toBe(app.origin);
      expect(new URL(page.url()).pathname).not.toBe("/login");
      expect(offSite).toEqual([]);
    });
  }

  test("a same-site callbackUrl still brings the user back to the page they asked for", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto(`/login?callbackUrl=${encodeURIComponent("/runs?status=failed")}`);
    await login.signIn("admin", process.env.GANTRY_E2E_PASSWORD ?? "");
    await expect(page).toHaveURL(/\/runs\?status=failed$/);
  });
});

test.describe("headers and Content-Security-Policy", () => {
  test("every page passes its strict CSP: no violation on the main pages, a pipeline's designer and a run", async ({ page }) => {
    const violations: string[] = [];
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        (window as unknown as { __csp: string[] }).__csp ??= [];
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|EvalError/i.test(m.text())) violations.push(m.text());
    });
    const pipelines = await api("GET", "/api/v1/pipelines");
    const demo = pipelines.body.items.find((p: { name: string }) => p.name === "hello-world") ?? pipelines.body.items[0];
    const runs = await api("GET", "/api/v1/runs");
    const paths = [
      "/pipelines",
      "/runs",
      "/catalog",
      "/catalog/shell",
      "/approvals",
      "/audit",
      "/analytics",
      "/projects",
      "/search",
      "/settings/tokens",
      "/settings/users",
      `/pipelines/${demo.id}`,
    ];
    if (runs.body.items?.[0]) paths.push(`/runs/${runs.body.items[0].id}`);
    for (const p of paths) {
      const res = await page.goto(p);
      const csp = res?.headers()["content-security-policy"] ?? "";
      expect(csp, `${p} sends a nonce-based script policy`).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res?.headers()["x-frame-options"]).toBe("DENY");
      expect(res?.headers()["referrer-policy"]).toBe("same-origin");
      await page.waitForLoadState("networkidle");
      // The app really ran under the policy: React hydrated and rendered the shell.
      await expect(page.getByRole("button", { name: /User menu/ })).toBeVisible();
      violations.push(
        ...((await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])) as string[]).map((v) => `${p}: ${v}`),
      );
    }
    // The designer's generated form validates params in the browser: select a task and edit it.
    await page.goto(`/pipelines/${demo.id}`);
    await page.locator("[data-task]").first().click();
    await expect(page.getByRole("region", { name: /Task .* settings/ })).toBeVisible();
    violations.push(
      ...((await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])) as string[]).map((v) => `designer: ${v}`),
    );
    expect(violations).toEqual([]);
  });

  test("no other site can frame Gantry (clickjacking)", async ({ page }) => {
    const site = await attackerSite(`<!doctype html><iframe id="f" src="${new URL("/pipelines", app)}" width="800" height="600"></iframe>`);
    try {
      await page.goto(site.url);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      await expect.poll(() => frame?.url() ?? "").not.toBe("about:blank");
      await expect(page.frameLocator("#f").getByRole("button", { name: /User menu/ })).toHaveCount(0);
      expect(frame?.url()).not.toContain("/pipelines");
    } finally {
      site.server.close();
    }
  });

  test("API responses are never rendered as a page", async ({ request }) => {
    const res = await request.get("/api/v1/openapi.json");
    expect(res.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  });
});
