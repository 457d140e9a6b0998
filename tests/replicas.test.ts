import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterLogsManifest, criLine } from "../scripts/lib/cluster/fixtures";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { freePort } from "../scripts/lib/proc";
import { ensureHelm } from "../scripts/lib/tools/helm";
import { sseEvents, type SseEvent } from "./api-helpers";
import { adminUrl, ROOT, tempDir, waitFor } from "./executor-helpers";
import { assembleTestImage, chartEnvironments, exitOf, until200, type Pod, type TestImage } from "./image-helpers";
import { KWOK_ANNOTATIONS, serviceAccountKubeconfig, testCluster, type Kubectl } from "./kube-helpers";

/**
 * Gantry as the chart runs it with replicas, on this machine: the image's commands (assembled as
 * in tests/image-helpers.ts) as two web pods and two operator pods with the chart's environment,
 * one MariaDB, the operators on the test control plane as the chart's ServiceAccount. One user
 * starts a run on web A and follows its log on web B; the leading operator is killed mid-run;
 * the other takes the Lease over and the run finishes, once. Pods here share this machine's
 * network, so each gets ports of its own (in a cluster each pod has its own address).
 */

const ns = `replicas-${randomBytes(3).toString("hex")}`;
const builds = `${ns}-builds`;
const release = `p${randomBytes(2).toString("hex")}`;
const fullname = `${release}-gantry`;
const token = `gtr_replicas_${randomBytes(16).toString("hex")}`;

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: Kubectl;
let img: TestImage;
let dir: string;
let dbName: string;
let defaultLogs: string | undefined;
const webs: { pod: Pod; url: string }[] = [];
const operators: { name: string; pod: Pod }[] = [];

const api = async <T>(base: string, method: string, p: string, body?: unknown): Promise<T> => {
  const r = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${base}${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};

interface RunView {
  status: string;
  stages: { tasks: { id: string; name: string; status: string; attempt: number; message: string | null }[] }[];
}
interface Lease {
  spec: { holderIdentity?: string; leaseDurationSeconds: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}
const lease = async () => JSON.parse(await kubectl(["get", "lease", "gantry-operator", "-n", builds, "-o", "json"])) as Lease;

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("replicas"));
  dir = tempDir("replicas");
  img = assembleTestImage();
  dbName = `gantry_replicas_${randomBytes(4).toString("hex")}`;
  const c = await mysql.createConnection(adminUrl());
  await c.query(`CREATE DATABASE \`${dbName}\``);
  await c.end();

  // The chart installed (its ServiceAccount, RBAC, builds namespace); its pods are kwok's, which run nothing.
  const values = path.join(dir, "values.yaml");
  writeFileSync(
    values,
    JSON.stringify({
      mariadb: { enabled: false },
      database: { url: adminUrl() + dbName },
      secrets: { existingSecret: "gantry-keys" },
      operator: {
        // kwok has no volume provisioner; its pods run as long as their annotations say.
        workspace: "emptyDir",
        env: { GANTRY_POD_ANNOTATIONS_FROM_ENV: KWOK_ANNOTATIONS },
      },
    }),
  );
  const helm = await ensureHelm((m) => console.log(m));
  await promisify(execFile)(
    helm,
    ["install", release, path.join(ROOT, "deploy/helm/gantry"), "-n", ns, "--create-namespace", "--no-hooks", "-f", values],
    { env: { ...process.env, KUBECONFIG: kubeconfig } },
  );
  const saKubeconfig = await serviceAccountKubeconfig(kubectl, {
    namespace: ns,
    account: `${fullname}-operator`,
    file: path.join(dir, "kubeconfig"),
  });

  // The keys' Secret a user makes (docs/install.md), with the admin's API token for this test.
  const keys = {
    GANTRY_SECRET_KEY: randomBytes(32).toString("base64"),
    NEXTAUTH_SECRET: randomBytes(24).toString("base64"),
    GANTRY_ADMIN_TOKEN: token,
  };
  const envs = await chartEnvironments(img.image, ["-n", ns, "-f", values], { "gantry-keys": keys });
  const migrate = img.run("migrate", envs.migrate);
  expect(await exitOf(migrate), migrate.output()).toBe(0);

  for (const name of ["a", "b"]) {
    const port = await freePort();
    const pod = img.run("web", { ...envs.web, PORT: String(port) }, `${fullname}-web-${name}`);
    webs.push({ pod, url: `http://127.0.0.1:${port}` });
  }
  for (const name of ["a", "b"]) {
    const health = await freePort();
    // In a pod the API server's address and token come from the service account mount.
    const env = {
      ...envs.operator,
      GANTRY_OPERATOR_PORT: String(health),
      GANTRY_METRICS_PORT: String(await freePort()),
      KUBECONFIG: "/var/lib/gantry/kubeconfig",
    };
    const pod = img.run("operator", env, `${fullname}-operator-${name}`, { kubeconfig: saKubeconfig });
    operators.push({ name: `${fullname}-operator-${name}`, pod });
    await until200(`http://127.0.0.1:${health}/readyz`, pod);
  }
  for (const w of webs) await until200(`${w.url}/api/readyz`, w.pod);

  // kwok picks among matching ClusterLogs at random: the cluster's catch-all steps aside.
  defaultLogs = await kubectl(["get", "clusterlogs", "gantry-default", "-o", "json"]).catch(() => undefined);
  await kubectl(["delete", "clusterlogs", "gantry-default", "--ignore-not-found"]);
}, 30 * 60_000);

afterAll(async () => {
  img?.remove();
  await kubectl?.(["delete", "clusterlogs", ns, "--ignore-not-found"]).catch(() => {});
  if (defaultLogs) {
    const o = JSON.parse(defaultLogs) as { metadata: Record<string, unknown> };
    o.metadata = { name: o.metadata.name, labels: o.metadata.labels };
    await kubectl(["apply", "-f", "-"], JSON.stringify(o)).catch((e: Error) =>
      console.error(`could not restore ClusterLogs gantry-default: ${e.message}`),
    );
  }
  const helm = await ensureHelm();
  await promisify(execFile)(helm, ["uninstall", release, "-n", ns, "--no-hooks"], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  }).catch(() => {});
  for (const n of [ns, builds]) await kubectl?.(["delete", "namespace", n, "--wait=false"]).catch(() => {});
  if (dbName) {
    const c = await mysql.createConnection(adminUrl());
    await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await c.end();
  }
  await own?.stop();
}, 120_000);

describe("two web pods and two operators with the chart's environment, one database", () => {
  it("a run started on web A streams its log on web B; the leader is killed mid-run, the other takes over and the run finishes once", async () => {
    const [a, b] = webs;
    // The pod's log: a line every 200 ms, for every pod of the builds namespace.
    const file = path.join(dir, "pod.log");
    writeFileSync(file, "");
    await kubectl(["apply", "-f", "-"], JSON.stringify(clusterLogsManifest(ns, { namespaces: [builds] }, [{ file }])));
    const expected: string[] = [];
    const ticker = setInterval(() => {
      const text = `line ${String(expected.length).padStart(3, "0")}`;
      expected.push(text);
      appendFileSync(file, criLine(text));
    }, 200);

    try {
      const spec = {
        name: `replicas-${randomBytes(3).toString("hex")}`,
        stages: [
          { name: "build", tasks: [{ name: "long", template: "shell", params: { script: "make" }, env: { KWOK_DURATION: "25s" } }] },
        ],
      };
      const pipeline = await api<{ id: string }>(a.url, "POST", "/api/v1/pipelines", spec);
      const run = await api<{ id: string }>(a.url, "POST", `/api/v1/pipelines/${pipeline.id}/runs`, {});
      const task = await waitFor(
        "the task to run",
        async () => (await api<RunView>(a.url, "GET", `/api/v1/runs/${run.id}`)).stages[0].tasks.find((t) => t.status === "running"),
        60_000,
        250,
      );

      // Web B follows the log live.
      const res = await fetch(`${b.url}/api/v1/task-runs/${task.id}/logs`, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      const events: SseEvent[] = [];
      const reading = (async () => {
        for await (const e of sseEvents(res)) {
          events.push(e);
          if (e.event === "end") return;
        }
      })();
      const lines = () => events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data) as { text: string; stream: string });
      await waitFor("lines on web B", async () => lines().filter((l) => l.stream === "out").length >= 10, 60_000, 200);

      // The leading operator dies (no drain, as on a node failure).
      const before = await lease();
      const leaderName = before.spec.holderIdentity ?? "";
      const leader = operators.find((o) => leaderName.startsWith(o.name));
      if (!leader) throw new Error(`the Lease is held by '${leaderName}', none of the operators`);
      const survivor = operators.filter((o) => o !== leader)[0];
      leader.pod.kill("SIGKILL");
      await exitOf(leader.pod);
      const after = await waitFor(
        "the other operator to take the Lease",
        async () => {
          const l = await lease();
          return l.spec.holderIdentity && l.spec.holderIdentity !== leaderName ? l : null;
        },
        3 * before.spec.leaseDurationSeconds * 1000,
        250,
      );
      expect(after.spec.holderIdentity?.startsWith(survivor.name)).toBe(true);
      expect(after.spec.leaseTransitions).toBe((before.spec.leaseTransitions ?? 0) + 1);
      // Within the lease time: taken over once the dead leader's last renewal had expired, not later than a lease after it.
      const gapSeconds = (Date.parse(after.spec.acquireTime!) - Date.parse(before.spec.renewTime!)) / 1000;
      expect(gapSeconds).toBeLessThanOrEqual(2 * before.spec.leaseDurationSeconds);

      const done = await waitFor(
        "the run to end",
        async () => {
          const v = await api<RunView>(a.url, "GET", `/api/v1/runs/${run.id}`);
          return ["succeeded", "failed", "cancelled"].includes(v.status) ? v : null;
        },
        180_000,
        500,
      );
      const t = done.stages[0].tasks[0];
      expect(done.status, `${t.message}\n${survivor.pod.output().slice(-3000)}`).toBe("succeeded");
      expect(t.attempt).toBe(1);
      const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", builds, "-l", `gantry.dev/task-run=${t.id}`, "-o", "json"])) as {
        items: unknown[];
      };
      expect(jobs.items).toHaveLength(1);
      await reading;
      expect(events.at(-1)?.event).toBe("end");
      // Web B showed every line of the pod, each once, in order.
      const out = lines()
        .filter((l) => l.stream === "out")
        .map((l) => l.text);
      expect(out).toEqual(expected.slice(0, out.length));
      expect(out.length).toBeGreaterThan(20);
      console.log(
        `figures: lease handed over ${gapSeconds.toFixed(1)} s after the dead leader's last renewal (lease ${before.spec.leaseDurationSeconds} s)`,
      );
    } finally {
      clearInterval(ticker);
    }
  }, 300_000);
});
