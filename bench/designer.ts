/**
 * Designer figures for `npm run bench` (issue 4): navigation → interactive for a pipeline of
 * 20 stages × 15 tasks, and the time of one drag-and-drop edit on it, in Debian's Chromium.
 */
import type { Page } from "@playwright/test";
import { signedInPage } from "./browser";

const STAGES = 20;
const TASKS = 15;
// GANTRY_BENCH_REPEAT: more edits and loads for a steadier median on a busy machine.
const REPEAT = Number(process.env.GANTRY_BENCH_REPEAT ?? 5);

export interface DesignerFigures {
  loadMs: number[];
  editMs: number[];
}

export async function benchDesigner(o: { url: string; token: string; password: string; chromium: string }): Promise<DesignerFigures> {
  const spec = {
    name: `bench-designer-${Date.now()}`,
    stages: Array.from({ length: STAGES }, (_, s) => ({
      name: `stage-${s}`,
      mode: s % 2 ? "parallel" : "sequential",
      tasks: Array.from({ length: TASKS }, (_, t) => ({ name: `t-${s}-${t}`, template: "shell", params: { script: `echo ${s}.${t}` } })),
    })),
  };
  const r = await fetch(`${o.url}/api/v1/pipelines`, {
    method: "POST",
    headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (!r.ok) throw new Error(`creating the designer bench pipeline → ${r.status} ${await r.text()}`);
  const { id } = (await r.json()) as { id: string };

  const { browser, page } = await signedInPage(o);
  try {
    if (process.env.GANTRY_BENCH_PROFILE) page.on("console", (m) => m.text().startsWith("edit mutations") && console.log(`  ${m.text()}`));
    // Leaving after an unsaved edit asks first; the bench always means to leave.
    page.on("dialog", (d) => void d.accept());

    // With the load profile: when the task node first shows, and when a click on it first lands.
    if (process.env.GANTRY_BENCH_PROFILE === "load")
      await page.addInitScript(`(() => {
        const seen = (window.__seen = {});
        const mo = new MutationObserver(() => {
          if (!seen.node && document.querySelector('[data-task="t-0-0"]')) seen.node = Math.round(performance.now());
        });
        document.addEventListener("DOMContentLoaded", () => mo.observe(document.body, { subtree: true, childList: true }));
        window.addEventListener("click", () => { seen.click ??= Math.round(performance.now()); }, true);
      })()`);
    const loadMs: number[] = [];
    const editMs: number[] = [];
    // One warm-up load (first compile of the route's server code), then the measured ones.
    for (let i = 0; i <= REPEAT; i++) {
      // GANTRY_BENCH_PROFILE=load: a CPU profile of the last load, and where its time went.
      const profile = process.env.GANTRY_BENCH_PROFILE === "load" && i === REPEAT ? await startProfile(page, "load") : null;
      if (profile) await browser.startTracing(page, { categories: ["devtools.timeline", "blink.user_timing"] });
      const t0 = Date.now();
      const phases = await openInteractive(page, `${o.url}/pipelines/${id}`);
      if (i > 0) loadMs.push(Date.now() - t0);
      if (profile) {
        console.log(
          `  load phases: ${Object.entries(phases)
            .map(([k, v]) => `${k} ${Math.round(v - t0)} ms`)
            .join(", ")}`,
        );
        const nav = await page.evaluate(() => {
          const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          return {
            responseStart: n.responseStart,
            responseEnd: n.responseEnd,
            domInteractive: n.domInteractive,
            domContentLoaded: n.domContentLoadedEventEnd,
            load: n.loadEventEnd,
          };
        });
        console.log(
          `  navigation timing (ms from navigation start): ${Object.entries(nav)
            .map(([k, v]) => `${k} ${Math.round(v)}`)
            .join(", ")}`,
        );
        console.log(
          `  in the page (ms from navigation start): ${await page.evaluate(() => JSON.stringify((window as unknown as { __seen?: unknown }).__seen))}`,
        );
        await profile.stop();
        printTrace(await browser.stopTracing());
      }
      editMs.push(await dragOneTask(page));
    }
    return { loadMs, editMs };
  } finally {
    await browser.close();
  }
}

/** Interactive = hydrated: a click on a task node opens its form in the inspector. */
async function openInteractive(page: Page, url: string) {
  await page.goto(url);
  const loaded = Date.now();
  await page.getByRole("button", { name: "Task t-0-0", exact: true }).click();
  const clicked = Date.now();
  await page.getByLabel("Task name").waitFor();
  return { "load event": loaded, clicked, "form shown": Date.now() };
}

/**
 * Drags a task of the first stage onto the second with the mouse and measures, inside the page,
 * from the mouse-up to the DOM showing the edited document (the Save button becomes enabled).
 */
async function dragOneTask(page: Page): Promise<number> {
  const from = page.locator('[data-task="t-0-1"]');
  const to = page.locator('[data-task="t-1-0"]');
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error("designer bench: task nodes not on screen");
  await page.evaluate(() => {
    const w = window as unknown as { __edit?: Promise<number> };
    w.__edit = new Promise<number>((resolve, reject) => {
      window.addEventListener(
        "mouseup",
        () => {
          const t0 = performance.now();
          const save = [...document.querySelectorAll("button")].find((x) => x.textContent?.trim() === "Save…");
          if (!save) return reject(new Error("no Save button"));
          if (!save.disabled) return resolve(performance.now() - t0);
          const mo = new MutationObserver(() => {
            if (!save.disabled) {
              mo.disconnect();
              resolve(performance.now() - t0);
            }
          });
          mo.observe(save, { attributes: true, attributeFilter: ["disabled"] });
          setTimeout(() => reject(new Error("the drop made no edit within 5 s")), 5000);
        },
        { capture: true, once: true },
      );
    });
  });
  await page.mouse.move(a.x + 20, a.y + 10);
  await page.mouse.down();
  await page.mouse.move(a.x + 60, a.y + 30, { steps: 5 });
  await page.mouse.move(b.x + 20, b.y + b.height + 10, { steps: 10 });
  const profile = process.env.GANTRY_BENCH_PROFILE === "cpu" ? await startProfile(page) : null;
  if (process.env.GANTRY_BENCH_PROFILE === "dom") await countMutations(page);
  await page.mouse.up();
  const ms = await page.evaluate(() => (window as unknown as { __edit: Promise<number> }).__edit);
  if (profile) await profile.stop();
  return ms;
}

/** The main thread's time during the profiled load, by kind of work (Chromium's own trace events). */
function printTrace(buf: Buffer) {
  const events = (
    JSON.parse(buf.toString()) as {
      traceEvents: { name: string; ph: string; dur?: number; tid: number; pid: number; ts: number; args?: any }[];
    }
  ).traceEvents;
  const main = events.find((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain");
  const mine = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur);
  const total = new Map<string, number>();
  for (const e of mine) total.set(e.name, (total.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
  const top = [...total].sort((a, b) => b[1] - a[1]).slice(0, 14);
  console.log(
    `  load trace, main thread (nested events overlap):\n${top.map(([k, v]) => `    ${v.toFixed(1).padStart(7)} ms  ${k}`).join("\n")}`,
  );
  const t0 = Math.min(...mine.map((e) => e.ts));
  const long = mine.filter((e) => e.name === "RunTask" && (e.dur ?? 0) > 50_000);
  console.log(
    `  long tasks (> 50 ms): ${long.map((e) => `${Math.round((e.ts - t0) / 1000)}+${Math.round((e.dur ?? 0) / 1000)}`).join(", ")}`,
  );
  const marks = events.filter((e) => e.name.startsWith("gantry:") && e.ph !== "X");
  if (marks.length) console.log(`  marks: ${marks.map((e) => `${e.name} ${Math.round((e.ts - t0) / 1000)}`).join(", ")}`);
}

/** With the profile: how many DOM nodes and attributes the edit touched, by where they are. */
async function countMutations(page: Page) {
  // A string, not a function: tsx would wrap the named helpers in a `__name` the page lacks.
  await page.evaluate(`(() => {
    const counts = {};
    const where = (n) => {
      const e = n instanceof Element ? n : n && n.parentElement;
      if (!e) return "?";
      if (e.closest("aside")) return "inspector";
      if (e.closest(".react-flow__edges, .react-flow__edge")) return "edges";
      if (e.closest(".react-flow__node-task")) return "task nodes";
      if (e.closest(".react-flow__node-stage")) return "stage nodes";
      if (e.closest(".react-flow__nodes")) return "node wrappers";
      if (e.closest(".react-flow")) return "flow (other)";
      return "page (other)";
    };
    const mo = new MutationObserver((records) => {
      for (const r of records) {
        const k = r.type + " " + where(r.target);
        counts[k] = (counts[k] || 0) + (r.type === "childList" ? r.addedNodes.length + r.removedNodes.length : 1);
        if (r.type === "childList" && k.endsWith("node wrappers") && (counts.samples || "").length < 600)
          counts.samples = (counts.samples || "") + [...r.removedNodes].map((n) => "-" + (n.getAttribute && n.getAttribute("data-id"))).join("") + [...r.addedNodes].map((n) => "+" + (n.getAttribute && n.getAttribute("data-id"))).join("") + "@" + Math.round(performance.now()) + " ";
      }
    });
    mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    setTimeout(() => { mo.disconnect(); console.log("edit mutations: " + JSON.stringify(counts)); }, 150);
  })()`);
}

/**
 * GANTRY_BENCH_PROFILE=cpu: a CPU profile of each edit (mouse-up to the edited DOM, plus 200 ms of
 * effects after it), printed as self time per script and per function, to see where an edit goes.
 */
async function startProfile(page: Page, what = "edit") {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  return {
    async stop() {
      await page.waitForTimeout(200);
      const { profile } = (await cdp.send("Profiler.stop")) as {
        profile: {
          nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
          samples: number[];
          timeDeltas: number[];
        };
      };
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      const perUrl = new Map<string, number>();
      profile.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
        const url = f.url.replace(/^.*\//, "") || "(native)";
        const k = `${f.functionName || "(anon)"} ${url}:${f.lineNumber}:${f.columnNumber}`;
        self.set(k, (self.get(k) ?? 0) + dt);
        perUrl.set(url, (perUrl.get(url) ?? 0) + dt);
      });
      const top = (m: Map<string, number>, n: number) =>
        [...m]
          .sort((a, b) => b[1] - a[1])
          .slice(0, n)
          .map(([k, v]) => `    ${v.toFixed(1).padStart(6)} ms  ${k}`)
          .join("\n");
      console.log(`  ${what} profile, self time by script:\n${top(perUrl, 8)}\n  by function:\n${top(self, 25)}`);
      await cdp.detach();
    },
  };
}
