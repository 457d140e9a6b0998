/**
 * `npm start | dev | test | bench`: sets up everything Gantry needs on one machine and runs it.
 * See README.md. Each command is a sequence of idempotent steps, so a second run is fast.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { aptInstall, fail, freePort, ok, onParentGone, run, step, which } from "./lib/proc";
import { migrateAndSeed, provideDatabase, ROOT, secretKey, startApp, type Database, type Stack } from "./lib/stack";
import { buildIfStale } from "./lib/build";
import { lint } from "./lib/lint";
import { cachedBinaries, clusterUnavailableReason } from "./lib/cluster/build";
import { deployToolsPath, provideKubectl } from "./lib/tools/deploy-tools";
import { startCluster } from "./lib/cluster/lifecycle";
import { startElasticsearch } from "./lib/elasticsearch";
import { ensurePrometheus, startPrometheus } from "./lib/prometheus";
import { s3Unavailable, startTestS3 } from "./lib/tools/s3";
import { ensureBuildah } from "./lib/tools/buildah";
import { ensureRegistry, registryUnavailableReason } from "./lib/tools/registry";
import { giteaUnavailableReason, startGitea } from "./lib/tools/gitea";
import { makeTestCa } from "./lib/test-ca";

const cmd = process.argv[2] ?? "start";
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (code === 130) console.log("\n▸ stopping Gantry…");
  for (const c of cleanups.reverse()) await c().catch((e) => console.error(e));
  if (code === 130) ok("Gantry stopped (web app, operator, database)");
  process.exit(code);
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void shutdown(130));
// `npm start` killed outright (SIGKILL, an OOM kill): its lifeline closes, and we stop as on Ctrl-C.
// Should we be killed too, the watchdog (lib/reaper.mjs) stops what we started.
if (process.env.GANTRY_PARENT_FD) {
  const fd = Number(process.env.GANTRY_PARENT_FD);
  delete process.env.GANTRY_PARENT_FD;
  onParentGone(fd, () => {
    if (!stopping) console.error("the process that started Gantry is gone; stopping");
    void shutdown(130);
  });
}

async function main() {
  mkdirSync(path.join(ROOT, ".gantry"), { recursive: true });
  switch (cmd) {
    case "start":
    case "dev":
      return serve(cmd === "dev");
    case "test":
      return test(process.argv.slice(3));
    case "bench":
      return bench();
    case "lint":
      return lint(process.argv.slice(3));
    default:
      fail(`unknown command '${cmd}': use start, dev, test, lint or bench`);
  }
}

async function serve(dev: boolean) {
  const port = Number(process.env.PORT ?? 3000);
  await ensureBubblewrap();
  const db = await provideDatabase({
    dir: path.resolve(ROOT, process.env.GANTRY_DB_DIR || ".gantry/db"),
    port: Number(process.env.GANTRY_DB_PORT ?? 3307),
    name: "gantry",
  });
  cleanups.push(db.stop);
  const seeded = await migrateAndSeed(db.url, {
    adminPassword: process.env.GANTRY_ADMIN_PASSWORD,
    adminToken: process.env.GANTRY_ADMIN_TOKEN,
  });
  if (!dev) await buildIfStale(ROOT);
  step(`starting the web app and the operator${dev ? " (dev mode, hot reload)" : ""}…`);
  const stack = await startApp({ databaseUrl: db.url, port, dev });
  cleanups.push(stack.stop);
  const pw = seeded.generatedPassword;
  if (pw) {
    const f = path.join(ROOT, ".gantry/initial-admin-password");
    writeFileSync(f, pw + "\n", { mode: 0o600 });
  }
  console.log(`
  \x1b[1mGantry is running\x1b[0m at \x1b[4m${stack.url}\x1b[0m
  sign in as \x1b[1madmin\x1b[0m with ${
    pw
      ? `password \x1b[1m${pw}\x1b[0m (generated now and shown once; also in .gantry/initial-admin-password)`
      : process.env.GANTRY_ADMIN_PASSWORD
        ? "the password in GANTRY_ADMIN_PASSWORD"
        : "the password printed at the first start (.gantry/initial-admin-password, unless you changed it)"
  }
  Ctrl-C stops everything.
`);
  await new Promise<void>((resolve) => {
    stack.web.on("exit", (c) => {
      if (!stopping) console.error(`web app exited (${c}); stopping`);
      resolve();
    });
    stack.operator.on("exit", (c) => {
      if (!stopping) console.error(`operator exited (${c}); stopping`);
      resolve();
    });
  });
  await shutdown(1);
}

/** The local executor's task sandbox (docs/security.md), installed like MariaDB; unneeded when turned off. */
async function ensureBubblewrap() {
  if (process.env.GANTRY_LOCAL_SANDBOX === "off" || which("bwrap")) return;
  await aptInstall(["bubblewrap"], "the local executor runs each task in a bubblewrap sandbox");
  if (!which("bwrap")) fail("bubblewrap was installed but 'bwrap' is not on the PATH");
}

async function ensureChromium(): Promise<string> {
  const p = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(p)) await aptInstall(["chromium"], "the browser tests drive Debian's Chromium");
  if (!existsSync(p)) fail(`no Chromium at ${p}`);
  return p;
}

/**
 * GANTRY_TEST_FILES (space-separated paths) narrows the integration and browser suites to those
 * files, so one test can be run against the full set-up while working on it.
 */
function filesFor(dir: string): string[] {
  return (process.env.GANTRY_TEST_FILES ?? "").split(/\s+/).filter((f) => f.startsWith(dir));
}

/** The browser suites on the test cluster: Kubernetes mode (kube-*) and the deploy of the ship scenario. */
function e2eNeedsCluster(): boolean {
  const files = filesFor("e2e/");
  return !files.length || files.some((f) => /\/(kube-|ship)/.test(f));
}

async function test(args: string[]) {
  const only = new Set(args.filter((a) => !a.startsWith("-")));
  const want = (s: string) => only.size === 0 || only.has(s);
  const vitest = path.join(ROOT, "node_modules/.bin/vitest");
  const t0 = Date.now();

  // Types, formatting and lint first: the cheapest failures, and the same for every machine.
  if (want("lint")) await lint([]);
  if (want("unit")) {
    step("unit tests…");
    await run(vitest, ["run", "--project", "unit"], { cwd: ROOT });
  }
  if (!want("integration") && !want("e2e")) return;
  await ensureBubblewrap();
  // The outside-service templates' image (curlimages/curl) has busybox's sh, awk and sed: a suite runs them with those.
  if (want("integration") && !which("busybox")) await aptInstall(["busybox"], "the template tests run shell code with busybox's tools");

  const chromium = want("e2e") ? await ensureChromium() : "";
  // The test forge serves https with a certificate of this CA; every process started from here
  // trusts it as an administrator would a private forge's CA (docs/repository.md): Node through
  // NODE_EXTRA_CA_CERTS (it adds to Node's list), the stack's git through GIT_SSL_CAINFO (the
  // system's CAs and this one); the tests' own git commands for the forge get it alone (tests/gitea-helpers.ts).
  const ca = makeTestCa(path.join(ROOT, ".gantry/test-ca"));
  process.env.NODE_EXTRA_CA_CERTS = ca.caFile;
  // A real Elasticsearch node (one JVM, ~10 s), started while the database and the build get ready;
  // stopped on the way out even when a later step (the build) fails.
  const esStarting = startElasticsearch({ dir: path.join(ROOT, ".gantry/test-es"), port: await freePort(), fresh: true, quiet: true });
  esStarting.then(
    (es) => cleanups.push(es.stop),
    () => undefined,
  );
  // A fresh database per test run, on the test server kept under .gantry/test-db.
  const db: Database = await provideDatabase({
    dir: path.join(ROOT, ".gantry/test-db"),
    port: await freePort(),
    name: "gantry_test",
    fresh: true,
  });
  cleanups.push(db.stop);
  const adminUrl = db.url.replace(/[^/]+$/, "");
  const token = `gtr_test_${randomBytes(16).toString("hex")}`;
  const password = "test-admin-password";
  await migrateAndSeed(db.url, { adminPassword: password, adminToken: token });
  await buildIfStale(ROOT);
  const port = await freePort();
  // A real OpenID Connect provider (tests/oidc/provider.ts) with a client for this stack's callback URL,
  // so single sign-on is tested end to end; the stack shows its "Sign in with Test OIDC" button.
  const { startTestOidc, TEST_OIDC_CLIENT } = await import("../tests/oidc/provider");
  const oidc = await startTestOidc(await freePort(), [`http://localhost:${port}/api/auth/callback/oidc`]);
  cleanups.push(oidc.close);
  const oidcEnv = {
    GANTRY_OIDC_ISSUER: oidc.issuer,
    GANTRY_OIDC_CLIENT_ID: TEST_OIDC_CLIENT.id,
    GANTRY_OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT.secret,
    GANTRY_OIDC_NAME: "Test OIDC",
  };
  // The operator's metrics port, and a scrape token, so the metrics suite scrapes like Prometheus in production.
  const metricsPort = await freePort();
  const metricsToken = `metrics_${randomBytes(16).toString("hex")}`;
  const es = await esStarting;
  // The stack keeps its logs in Elasticsearch, so every suite reads the live view and the archive
  // through it; GANTRY_TEST_LOG_STORE=mysql runs it on the MySQL store instead.
  const esEnv: Record<string, string> = process.env.GANTRY_TEST_LOG_STORE === "mysql" ? {} : { ELASTICSEARCH_URL: es.url };
  // Approval emails go to an SMTP server the approval suites start on this port (smtp-server).
  const smtpPort = await freePort();
  // A real S3 server (versitygw, built from its Go module) as the stack's artifact store.
  const noS3 = s3Unavailable();
  if (noS3 && process.env.CI === "true") fail(`the artifact suites cannot run: ${noS3}`);
  if (noS3) console.warn(`\x1b[33m!\x1b[0m the artifact suites will be skipped, the stack keeps artifacts in a directory: ${noS3}`);
  const s3 = noS3 ? null : await startTestS3(path.join(ROOT, ".gantry/test-s3"), await freePort(), (m) => console.log(`  ${m}`));
  if (s3) cleanups.push(s3.stop);
  // The image-build suites start their own registry from this binary; built here, not under a test's timeout.
  const noImageTools = registryUnavailableReason() ?? (await ensureBuildah());
  if (noImageTools) {
    if (process.env.CI === "true") fail(`the image-build suites cannot run: ${noImageTools}`);
    console.warn(`\x1b[33m!\x1b[0m the image-build suites will fail: ${noImageTools}`);
  } else {
    step("the OCI registry (CNCF Distribution, built from its Go module the first time) and buildah…");
    await ensureRegistry((m) => console.log(`  ${m}`));
  }
  // helm and the cluster's kubectl for the deploy templates, first on the PATH of the stack's local tasks and of the tests.
  const deployPath = await deployToolsPath(ROOT, (m) => console.log(`  ${m}`));
  // One real control plane (kube-apiserver, controller-manager, scheduler, etcd + kwok) for the
  // Kubernetes suites, and the cluster the stack's local deploy tasks deploy to (its operator
  // mints their tokens through this kubeconfig); built from source into a cache outside the repo
  // the first time.
  const clusterEnv: Record<string, string> = {};
  if (want("integration") || e2eNeedsCluster()) {
    const noCluster = clusterUnavailableReason();
    if (noCluster) {
      if (process.env.CI === "true") fail(`the Kubernetes suites cannot run: ${noCluster}`);
      console.warn(`\x1b[33m!\x1b[0m the Kubernetes suites will be skipped: ${noCluster}`);
    } else {
      step("starting the test Kubernetes control plane (kwok; the first build of its binaries takes ~30 min)…");
      const cluster = await startCluster({ name: "gantry-test", log: (m) => console.log(`  ${m}`) });
      cleanups.push(cluster.stop);
      clusterEnv.KUBECONFIG = cluster.kubeconfig;
      provideKubectl(ROOT, cachedBinaries()?.kubectl ?? "");
      ok("Kubernetes control plane is up");
    }
  }
  step(`starting the stack under test on port ${port}…`);
  const stack: Stack = await startApp({
    databaseUrl: db.url,
    port,
    quiet: !process.env.GANTRY_TEST_VERBOSE,
    env: {
      GANTRY_WORKSPACES: path.join(ROOT, ".gantry/test-workspaces"),
      GIT_SSL_CAINFO: ca.bundleFile,
      ...deployPath,
      ...clusterEnv,
      ...esEnv,
      LOG_LEVEL: "warn",
      ...oidcEnv,
      GANTRY_CONCURRENCY: "8",
      // Notifications in the tests go to receivers on this machine (server/net/outbound.ts).
      GANTRY_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      GANTRY_METRICS_PORT: String(metricsPort),
      GANTRY_METRICS_ADDRESS: "127.0.0.1",
      GANTRY_METRICS_TOKEN: metricsToken,
      GANTRY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      GANTRY_MAIL_FROM: "Gantry under test <gantry@example.test>",
      // Requests from 127.0.0.2 come "through a proxy" (tests/security/client-address.test.ts);
      // everything else, 127.0.0.1 included, is a client whose X-Forwarded-For is ignored.
      GANTRY_TRUSTED_PROXIES: "127.0.0.2",
      GANTRY_ARTIFACTS_DIR: path.join(ROOT, ".gantry/test-artifacts"),
      ...s3?.env,
    },
  });
  cleanups.push(stack.stop);
  const env = {
    ...process.env,
    ...deployPath,
    ...clusterEnv,
    GANTRY_TEST_URL: stack.url,
    GANTRY_TEST_TOKEN: token,
    GANTRY_TEST_OIDC_ISSUER: oidc.issuer,
    GANTRY_TEST_DB_ADMIN_URL: adminUrl,
    ELASTICSEARCH_TEST_URL: es.url,
    GANTRY_TEST_LOG_STORE: esEnv.ELASTICSEARCH_URL ? "elasticsearch" : "mysql",
    // Tests that read the stack logs in process (the live hub tests) use its store too.
    ...esEnv,
    DATABASE_URL: db.url,
    // The stack's key: suites that create runs or read secrets in-process use the same one.
    GANTRY_SECRET_KEY: secretKey(),
    GANTRY_TEST_METRICS_URL: `http://127.0.0.1:${metricsPort}/metrics`,
    GANTRY_TEST_METRICS_TOKEN: metricsToken,
    GANTRY_TEST_SMTP_PORT: String(smtpPort),
    GANTRY_E2E_URL: stack.url,
    GANTRY_E2E_PASSWORD: password,
    CHROMIUM_PATH: chromium,
    ...s3?.testEnv,
  };
  if (want("integration")) {
    // A real Prometheus scraping the web app and the operator every second, for the metrics suite.
    const noPrometheus = await ensurePrometheus();
    if (noPrometheus) {
      if (process.env.CI === "true") fail(`the metrics suite cannot run: ${noPrometheus}`);
      console.warn(`\x1b[33m!\x1b[0m the metrics suite will be skipped: ${noPrometheus}`);
    } else {
      step("starting Prometheus (scraping the web app and the operator every second)…");
      const web = new URL(stack.url);
      const prom = await startPrometheus(path.join(ROOT, ".gantry/test-prometheus"), [
        { job: "gantry-web", target: `127.0.0.1:${web.port}`, path: "/api/metrics", bearer: metricsToken },
        { job: "gantry-operator", target: `127.0.0.1:${metricsPort}`, path: "/metrics", bearer: metricsToken },
      ]);
      cleanups.push(prom.stop);
      Object.assign(env, { PROMETHEUS_TEST_URL: prom.url });
      ok(`Prometheus is up on ${prom.url}`);
    }
    // A real forge (Gitea, built from its Go module the first time) whose webhooks reach the stack on loopback.
    const noGitea = giteaUnavailableReason();
    if (noGitea && process.env.CI === "true") fail(`the Gitea suites cannot run: ${noGitea}`);
    if (noGitea) console.warn(`\x1b[33m!\x1b[0m the Gitea suites will be skipped: ${noGitea}`);
    else {
      step("starting Gitea (built from its Go module the first time)…");
      const gitea = await startGitea({
        dir: path.join(ROOT, ".gantry/test-gitea"),
        port: await freePort(),
        tls: ca,
        log: (m) => console.log(`  ${m}`),
      });
      cleanups.push(gitea.stop);
      Object.assign(env, {
        GANTRY_TEST_GITEA_URL: gitea.url,
        GANTRY_TEST_GITEA_ADMIN: gitea.admin.user,
        GANTRY_TEST_GITEA_TOKEN: gitea.admin.token,
        GANTRY_TEST_GITEA_CA: ca.caFile,
      });
    }
    step("integration tests (real MariaDB, real web app and operator, real Kubernetes API, real Prometheus)…");
    await run(vitest, ["run", "--project", "integration", ...filesFor("tests/")], { cwd: ROOT, env });
  }
  if (want("e2e")) {
    // Kubernetes mode in the browser: a second stack on the test cluster, for e2e/kube-run.spec.ts.
    const e2eFiles = filesFor("e2e/");
    if (!e2eFiles.length || e2eFiles.some((f) => f.includes("kube-"))) {
      const { startKubeE2eStack } = await import("./lib/kube-e2e");
      Object.assign(env, await startKubeE2eStack({ adminUrl, password, kubeconfig: clusterEnv.KUBECONFIG, cleanups }));
    }
    // "Sign in with Gitea": a second stack whose OIDC provider is Gitea, for e2e/gitea-sso.spec.ts.
    if (!e2eFiles.length || e2eFiles.some((f) => f.includes("gitea-"))) {
      const { startGiteaSsoStack } = await import("./lib/gitea-e2e");
      const { GANTRY_TEST_GITEA_URL: giteaUrl, GANTRY_TEST_GITEA_TOKEN: giteaToken } = env as NodeJS.ProcessEnv;
      const gitea = giteaUrl && giteaToken ? { url: giteaUrl, token: giteaToken } : undefined;
      Object.assign(env, await startGiteaSsoStack({ adminUrl, password, gitea, ca, cleanups }));
    }
    step("browser end-to-end tests (Playwright + Chromium)…");
    await run(path.join(ROOT, "node_modules/.bin/playwright"), ["test", ...filesFor("e2e/")], { cwd: ROOT, env });
  }
  ok(`all tests passed in ${Math.round((Date.now() - t0) / 1000)}s`);
  await shutdown(0);
}

async function bench() {
  await ensureBubblewrap();
  const chromium = await ensureChromium();
  const db = await provideDatabase({ dir: path.join(ROOT, ".gantry/test-db"), port: await freePort(), name: "gantry_bench", fresh: true });
  cleanups.push(db.stop);
  const token = `gtr_bench_${randomBytes(16).toString("hex")}`;
  await migrateAndSeed(db.url, { adminPassword: "bench-admin-password", adminToken: token });
  // GANTRY_BENCH=elasticsearch: only the Elasticsearch log store (on its own node; no stack needed).
  if (process.env.GANTRY_BENCH === "elasticsearch") return benchElasticsearchStore();
  // GANTRY_BENCH=scale (`npm run bench:scale`): the stack keeps its logs in Elasticsearch, as at scale.
  const scale = process.env.GANTRY_BENCH === "scale";
  const es = scale
    ? await startElasticsearch({
        dir: path.join(ROOT, ".gantry/bench-scale/es"),
        port: await freePort(),
        fresh: true,
        heapMb: 2048,
        fullJit: true,
        quiet: true,
      })
    : null;
  if (es) cleanups.push(es.stop);
  await buildIfStale(ROOT);
  const port = await freePort();
  const stack = await startApp({
    databaseUrl: db.url,
    port,
    quiet: true,
    // Concurrency for the fan-out case (50 task runs at once).
    env: {
      LOG_LEVEL: "warn",
      GANTRY_WORKSPACES: path.join(ROOT, ".gantry/bench-workspaces"),
      GANTRY_CONCURRENCY: "64",
      GANTRY_METRICS_PORT: String(await freePort()),
      GANTRY_METRICS_ADDRESS: "127.0.0.1",
      ...(es ? { ELASTICSEARCH_URL: es.url } : {}),
    },
  });
  cleanups.push(stack.stop);
  const webPid = stack.web.pid;
  const operatorPid = stack.operator.pid;
  if (webPid === undefined || operatorPid === undefined)
    throw new Error("the web app or the operator has no pid (spawn failed): nothing to measure");
  const opts = { url: stack.url, databaseUrl: db.url, token, webPid, operatorPid, password: "bench-admin-password", chromium };
  if (es) {
    const { runScale } = await import("../bench/scale-all");
    await runScale({ ...opts, esUrl: es.url });
    return shutdown(0);
  }
  const { runBench } = await import("../bench/bench");
  await runBench(opts);
  if (!process.env.GANTRY_BENCH) await benchElasticsearchStore();
  await shutdown(0);
}

async function benchElasticsearchStore() {
  step("Elasticsearch log store: ingestion, line → searchable, search over 1,000,000 lines (a few minutes)…");
  const { benchElasticsearch } = await import("../bench/elasticsearch");
  await benchElasticsearch({ dir: path.join(ROOT, ".gantry/bench-es") });
  await shutdown(0);
}

main().catch(async (e) => {
  console.error(`\x1b[31m✗\x1b[0m ${(e as Error).message}`);
  await shutdown(1);
});
