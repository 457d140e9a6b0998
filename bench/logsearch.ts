/**
 * Log viewer search for `npm run bench` (issue 20): on a finished 100,000-line log held by the
 * viewer in Chromium, the time from a query entered in the search box (one input event) to its
 * first match highlighted in the DOM, for queries whose match is far from the rendered rows.
 */
import type { Page } from "@playwright/test";
import { signedInPage } from "./browser";

const LINES = 100_000;
const REPEAT = Number(process.env.GANTRY_BENCH_REPEAT ?? 5);

export interface LogSearchFigures {
  plainMs: number[];
  regexMs: number[];
}

export async function benchLogSearch(o: { url: string; token: string; password: string; chromium: string }): Promise<LogSearchFigures> {
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(o.url + path, {
      method,
      headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`log search bench: ${method} ${path} → ${r.status} ${await r.text()}`);
    return r.json();
  };
  // Some lines coloured, as real build logs are: search sees their visible text.
  const script = `seq 1 ${LINES} | awk '{ if ($1 % 100 == 0) print "\\033[32mok\\033[0m step " $1 " done"; else print "log line number " $1 " fine" }'`;
  const pipeline = await api("POST", "/api/v1/pipelines", {
    name: `bench-logsearch-${Date.now()}`,
    stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script } }] }],
  });
  const run = await api("POST", `/api/v1/pipelines/${pipeline.id}/runs`, {});
  for (let v = await api("GET", `/api/v1/runs/${run.id}`); v.status !== "succeeded"; v = await api("GET", `/api/v1/runs/${run.id}`)) {
    if (["failed", "cancelled"].includes(v.status)) throw new Error(`log search bench: the 100k-line run ${v.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const { browser, page } = await signedInPage(o);
  // A step that cannot happen fails the bench with its locator instead of waiting forever.
  page.setDefaultTimeout(60_000);
  try {
    await page.goto(`${o.url}/runs/${run.id}`);
    await page.getByRole("button", { name: /^t,/ }).click();
    const log = page.getByRole("region", { name: "Log of t" });
    await page.getByText(`${LINES.toLocaleString("en")} lines`).waitFor({ timeout: 120_000 });
    await log.click();
    await page.keyboard.press("ControlOrMeta+f");
    const box = page.getByRole("searchbox", { name: "Search this log" });
    await box.waitFor();

    const plainMs: number[] = [];
    const regexMs: number[] = [];
    // Targets spread over the log, each far from the one before (and from the end, where the view starts).
    const targets = Array.from({ length: REPEAT + 1 }, (_, i) => 1 + ((17_389 + i * 41_077) % (LINES - 1)));
    for (const [i, n] of targets.entries()) {
      const ms = await timeToHighlight(page, `log line number ${n} fine`, n);
      if (i > 0) plainMs.push(ms); // the first is a warm-up
    }
    await page.getByRole("button", { name: "Regular expression" }).click();
    for (const [i, n] of targets.entries()) {
      // A regex that must be tried on every line; matches only line n (a "fine" one, not a coloured one).
      const ms = await timeToHighlight(page, `number ${String(n).replace(/\d$/, "\\d")} f\\w+$`, n, true);
      if (i > 0) regexMs.push(ms);
    }
    return { plainMs, regexMs };
  } catch (e) {
    await page.screenshot({ path: ".gantry/bench-logsearch-failure.png" }).catch(() => undefined);
    throw new Error(`log search bench failed (screenshot: .gantry/bench-logsearch-failure.png): ${e instanceof Error ? e.message : e}`);
  } finally {
    await browser.close();
  }
}

/**
 * Enters `query` and measures, in the page, from its input event to the current match being in
 * the DOM on line `line` (1-based).
 */
async function timeToHighlight(page: Page, query: string, line: number, regex = false): Promise<number> {
  const box = page.getByRole("searchbox", { name: "Search this log" });
  await box.fill("");
  // A string, not a function: tsx would wrap the named helpers in a `__name` the page lacks.
  await page.evaluate(`(() => {
    const index = ${line - 1}, regex = ${regex};
    const input = document.querySelector('input[aria-label="Search this log"]');
    window.__found = new Promise((resolve, reject) => {
      input.addEventListener("input", () => {
        const t0 = performance.now();
        // With a regex, line n's neighbours (same digits but the last) may be found first.
        const hit = () => {
          const row = document.querySelector("mark[data-current]")?.closest("[data-index]");
          return row && (regex || row.getAttribute("data-index") === String(index));
        };
        if (hit()) return resolve(performance.now() - t0);
        const mo = new MutationObserver(() => {
          if (hit()) {
            mo.disconnect();
            resolve(performance.now() - t0);
          }
        });
        mo.observe(document.body, { subtree: true, childList: true, attributes: true });
        setTimeout(() => reject(new Error("no match highlighted on line " + (index + 1) + " within 10 s")), 10000);
      }, { once: true });
    });
  })()`);
  await box.fill(query);
  return page.evaluate(() => (window as unknown as { __found: Promise<number> }).__found);
}

export function printLogSearch(f: LogSearchFigures) {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (n: number) => n.toFixed(0).padStart(6);
  const all = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  console.log(`
log viewer search, ${LINES.toLocaleString("en")}-line log held by the viewer, Chromium (median of ${f.plainMs.length})
  query → first match highlighted, text   ${fmt(med(f.plainMs))} ms   (all: ${all(f.plainMs)})   (aim: < 100 ms)
  query → first match highlighted, regex  ${fmt(med(f.regexMs))} ms   (all: ${all(f.regexMs)})   (aim: < 100 ms)
`);
}
