/** Debian's Chromium for the browser figures of `npm run bench`, signed in as the seeded admin. */
import { chromium, type Browser, type Page } from "@playwright/test";

export async function signedInPage(o: { url: string; password: string; chromium: string }): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: o.chromium,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${o.url}/login`);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(o.password);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL(/\/pipelines/);
    return { browser, page };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
