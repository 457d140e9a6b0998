import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { kubectlFor } from "../scripts/lib/cluster/lifecycle";
import { cachedBinaries } from "../scripts/lib/cluster/build";
import { ensureHelm } from "../scripts/lib/tools/helm";
import {
  createTestDatabase,
  sh,
  startRun,
  taskOf,
  tempDir,
  waitForOperator,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";
import { endKubeTest, serviceAccountKubeconfig, startKubeOperator, testCluster, type Kubectl } from "./kube-helpers";

/**
 * The chart's RBAC is enough and no more, on the real control plane: the chart is installed, the
 * operator runs on this machine as the chart's ServiceAccount (a token from the TokenRequest API
 * in a kubeconfig of its own) with the chart's operator settings, and runs a pipeline; with one
 * verb taken from its ClusterRole the same pipeline fails saying what was forbidden; and the
 * account reads no Secret, in its namespaces or elsewhere.
 */

const root = path.resolve(import.meta.dirname, "..");
const ns = `hrbac-${randomBytes(3).toString("hex")}`;
const builds = `${ns}-builds`;
/** A namespace that is not Gantry's, with a Secret in it. */
const other = `${ns}-other`;
const release = `r${randomBytes(2).toString("hex")}`;
const fullname = `${release}-gantry`;
const account = `system:serviceaccount:${ns}:${fullname}-operator`;

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: Kubectl;
let asOperator: Kubectl;
let saKubeconfig: string;
let t: TestDatabase;
let dir: string;
const operators: OperatorProcess[] = [];

async function helm(args: string[]) {
  const bin = await ensureHelm((m) => console.log(m));
  try {
    return (await promisify(execFile)(bin, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 64 << 20 })).stdout;
  } catch (e) {
    throw new Error(`helm ${args.join(" ")}: ${(e as { stderr?: string }).stderr || (e as Error).message}`);
  }
}

/** The chart's operator container environment, as rendered (GANTRY_* settings only; the process is on this machine). */
async function chartOperatorEnv(): Promise<Record<string, string>> {
  const text = await helm(["get", "manifest", release, "-n", ns]);
  const dep = text.split(/^---$/m).find((d) => /^kind: Deployment$/m.test(d) && d.includes(`name: ${fullname}-operator`));
  if (!dep) throw new Error("the release has no operator Deployment");
  const env: Record<string, string> = {};
  for (const m of dep.matchAll(/- name: (GANTRY_[A-Z_]+)\n\s+value: "?([^"\n]*)"?/g)) env[m[1]] = m[2];
  // Paths inside the pod's volume; here, a directory of the test's.
  delete env.GANTRY_WORKSPACES;
  delete env.GANTRY_CACHE_DIR;
  delete env.GANTRY_ARTIFACTS_DIR;
  return env;
}

/** `kubectl auth can-i` as the operator: "yes" or "no" (it exits 1 on no). */
const canI = (...args: string[]) =>
  asOperator(["auth", "can-i", ...args]).then(
    (out) => out.trim(),
    (e: Error) => e.message.slice(e.message.lastIndexOf(": ") + 2).trim(),
  );

async function startOperator(id: string): Promise<OperatorProcess> {
  const op = startKubeOperator({
    databaseUrl: t.url,
    id,
    workspaces: dir,
    kubeconfig: saKubeconfig,
    namespace: builds,
    env: { ...(await chartOperatorEnv()), GANTRY_OPERATOR_PORT: "0", GANTRY_METRICS_PORT: "0" },
  });
  operators.push(op);
  await waitForOperator(op);
  return op;
}

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("hrbac"));
  t = await createTestDatabase("gantry_hrbac");
  dir = tempDir("helm-rbac");
  await helm([
    ...["install", release, path.join(root, "deploy/helm/gantry"), "-n", ns, "--create-namespace", "--no-hooks"],
    ...["-f", path.join(root, "deploy/helm/values/trial.yaml"), "--set", "mariadb.enabled=false", "--set", `database.url=${t.url}`],
    // kwok has no volume provisioner.
    ...["--set", "operator.workspace=emptyDir"],
  ]);
  saKubeconfig = await serviceAccountKubeconfig(kubectl, {
    namespace: ns,
    account: `${fullname}-operator`,
    file: path.join(dir, "operator-kubeconfig.yaml"),
    defaultNamespace: builds,
  });
  asOperator = kubectlFor(saKubeconfig, cachedBinaries()?.kubectl ?? "kubectl");
}, 60 * 60_000);

afterAll(async () => {
  await helm(["uninstall", release, "-n", ns, "--no-hooks"]).catch(() => {});
  await endKubeTest({ operators, kubectl, namespaces: [ns, builds, other], db: t, own, dir });
}, 120_000);

describe("the chart's operator account on the real control plane", () => {
  it("is who the operator runs as", async () => {
    expect((await asOperator(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim()).toBe(account);
  });

  it("runs a pipeline with the chart's grants: BuildJob, Job, pod logs, the Lease", async () => {
    const op = await startOperator("hrbac-a");
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("compile", "make", { env: { KWOK_DURATION: "2s" } })] }]);
    const run = await waitForRunEnd(t.db, runId, 120_000);
    const task = taskOf(run, "compile");
    expect(run.status, `${task.message ?? ""}\n${op.output().slice(-3000)}`).toBe("succeeded");
    // It ran in the chart's builds namespace, under its quota, and the operator took the Lease there.
    const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", builds, "-l", `gantry.dev/task-run=${task.id}`, "-o", "json"])) as {
      items: unknown[];
    };
    expect(jobs.items).toHaveLength(1);
    const lease = JSON.parse(await kubectl(["get", "lease", "-n", builds, "gantry-operator", "-o", "json"])) as {
      spec: { holderIdentity: string };
    };
    expect(lease.spec.holderIdentity).toMatch(/^hrbac-a/);
    expect(op.output()).not.toMatch(/forbidden/i);
    op.kill9();
    await op.exited;
  }, 180_000);

  it("fails the pipeline, saying what was forbidden, with one verb fewer: create on BuildJobs", async () => {
    const role = JSON.parse(await kubectl(["get", "clusterrole", `${fullname}-operator`, "-o", "json"])) as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const i = role.rules.findIndex((r) => r.apiGroups.includes("gantry.dev") && r.resources.includes("buildjobs"));
    expect(role.rules[i].verbs).toContain("create");
    const verbs = role.rules[i].verbs.filter((v) => v !== "create");
    await kubectl([
      "patch",
      "clusterrole",
      `${fullname}-operator`,
      "--type=json",
      "-p",
      JSON.stringify([{ op: "replace", path: `/rules/${i}/verbs`, value: verbs }]),
    ]);
    expect(await canI("create", "buildjobs.gantry.dev", "-n", builds)).toBe("no");

    await startOperator("hrbac-b");
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("compile", "make", { env: { KWOK_DURATION: "2s" } })] }]);
    const run = await waitForRunEnd(t.db, runId, 120_000);
    const task = taskOf(run, "compile");
    expect(run.status).toBe("failed");
    expect(task.message).toContain("cannot create the BuildJob");
    expect(task.message).toContain(
      `User "${account}" cannot create resource "buildjobs" in API group "gantry.dev" in the namespace "${builds}"`,
    );
  }, 180_000);

  it("reads no Secret: not in its own namespaces, not in another one, not in kube-system", async () => {
    await kubectl(["create", "namespace", other]);
    await kubectl(["create", "secret", "generic", "not-for-gantry", "-n", other, "--from-literal=k=v"]);
    for (const where of ["kube-system", other, ns, builds]) {
      expect(await canI("get", "secrets", "-n", where), where).toBe("no");
      expect(await canI("list", "secrets", "-n", where), where).toBe("no");
    }
    // What it does need: writing a BuildJob's params Secret.
    expect(await canI("create", "secrets", "-n", builds)).toBe("yes");
    // A real read, answered 403 by the apiserver.
    const refused = await asOperator(["get", "secret", "not-for-gantry", "-n", other, "-o", "json"]).then(
      (out) => `read it: ${out.slice(0, 200)}`,
      (e: Error) => e.message,
    );
    expect(refused).toContain(
      `secrets "not-for-gantry" is forbidden: User "${account}" cannot get resource "secrets" in API group "" in the namespace "${other}"`,
    );
    // The keys' Secret of its own release neither.
    const keys = await asOperator(["get", "secret", `${fullname}-keys`, "-n", ns]).then(
      () => "read it",
      (e: Error) => e.message,
    );
    expect(keys).toContain("forbidden");
  });
});
