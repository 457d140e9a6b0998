import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REQUIRED_PERMISSIONS } from "@/operator/executors/kubernetes/permissions";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { ensureHelm } from "../scripts/lib/tools/helm";
import { testCluster, type Kubectl } from "./kube-helpers";

/**
 * The Helm chart deploy/helm/gantry with the real helm (v4, built from source by the test set-up):
 * lint, rendering with the documented value sets (deploy/helm/values/), refusal of bad values,
 * and install, upgrade and rollback on the real test control plane. kwok runs no containers, so
 * the migrations hook Job would never finish: the cluster steps pass `--no-hooks` (helm v4 waits
 * for hooks only by default, never for the pods).
 */

const root = path.resolve(import.meta.dirname, "..");
const chart = path.join(root, "deploy/helm/gantry");
const valueSet = (name: string) => path.join(root, "deploy/helm/values", `${name}.yaml`);

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  // Rendered manifests are checked field by field below; their shapes are Kubernetes', not ours.

  spec?: any;
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
}

let helmBin: string;
let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: Kubectl;
const ns = `helm-chart-${randomBytes(3).toString("hex")}`;
/** Cluster-scoped names carry the release's name; one of the test's own keeps them apart from others'. */
const release = `g${randomBytes(2).toString("hex")}`;
const fullname = `${release}-gantry`;

async function helm(args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(helmBin, args, {
      env: { ...process.env, KUBECONFIG: kubeconfig ?? "/nonexistent" },
      maxBuffer: 64 << 20,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`helm ${args.join(" ")}: ${err.stderr || err.message}`);
  }
}

/** The chart rendered with these helm flags, as objects. */
async function render(...flags: string[]): Promise<K8sObject[]> {
  const text = await helm(["template", release, chart, "-n", "gantry", ...flags]);
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
}
function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o;
}
const container = (o: K8sObject): Container => o.spec.template.spec.containers[0];
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const podSpecs = (objs: K8sObject[]) =>
  objs.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind)).map((o) => ({ o, spec: o.spec.template.spec }));

beforeAll(async () => {
  helmBin = await ensureHelm((m) => console.log(m));
}, 30 * 60_000); // may build helm from source the first time

describe("the Helm chart rendered", () => {
  it("passes helm lint with its defaults and each documented value set", async () => {
    for (const flags of [[], ...["trial", "production", "air-gapped"].map((v) => ["-f", valueSet(v)])]) {
      const out = await helm(["lint", chart, "--strict", ...flags]);
      expect(out, flags.join(" ")).toContain("0 chart(s) failed");
    }
  });

  it("with its defaults: two web replicas with probes, a disruption budget and spread, two electing operators, the bundled MariaDB", async () => {
    const objs = await render();
    const web = find(objs, "Deployment", `${fullname}-web`);
    expect(web.spec.replicas).toBe(2);
    const w = container(web);
    expect(w.args).toEqual(["web"]);
    expect(w.livenessProbe?.httpGet.path).toBe("/api/healthz");
    expect(w.readinessProbe?.httpGet.path).toBe("/api/readyz");
    expect(web.spec.template.spec.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toContain(
      "kubernetes.io/hostname",
    );
    expect(find(objs, "PodDisruptionBudget", `${fullname}-web`).spec.minAvailable).toBe(1);
    expect(find(objs, "Service", `${fullname}-web`).spec.ports[0].port).toBe(80);

    const operator = find(objs, "Deployment", `${fullname}-operator`);
    expect(operator.spec.replicas).toBe(2);
    expect(operator.spec.template.spec.serviceAccountName).toBe(`${fullname}-operator`);
    const o = container(operator);
    expect(o.args).toEqual(["operator"]);
    expect(env(o, "GANTRY_LEADER_ELECTION")?.value).toBe("true");
    expect(env(o, "GANTRY_EXECUTOR")?.value).toBe("kubernetes");
    // The default project builds in a namespace of its own, with a quota and container defaults.
    expect(env(o, "GANTRY_NAMESPACE")?.value).toBe("gantry-builds");
    expect(env(w, "GANTRY_NAMESPACE")?.value).toBe("gantry-builds");
    expect(find(objs, "Namespace", "gantry-builds").metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    const quota = find(objs, "ResourceQuota", `${fullname}-builds`);
    expect(quota.metadata.namespace).toBe("gantry-builds");
    expect(quota.spec.hard).toEqual({ "requests.cpu": "8", "requests.memory": "16Gi", pods: "50" });
    const limits = find(objs, "LimitRange", `${fullname}-builds`);
    expect(limits.metadata.namespace).toBe("gantry-builds");
    expect(limits.spec.limits[0].defaultRequest).toEqual({ cpu: "250m", memory: "256Mi" });
    // The Lease lives in the operator's GANTRY_NAMESPACE, so its Role does too.
    expect(find(objs, "Role", `${fullname}-operator-leader-election`).metadata.namespace).toBe("gantry-builds");
    expect(o.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ["health", 8081],
      ["metrics", 9464],
    ]);
    expect(env(o, "GANTRY_OPERATOR_PORT")?.value).toBe("8081");

    // Generated keys: a 32-byte GANTRY_SECRET_KEY, given to both processes.
    const keys = find(objs, "Secret", `${fullname}-keys`);
    expect(Buffer.from(Buffer.from(keys.data!.GANTRY_SECRET_KEY, "base64").toString(), "base64")).toHaveLength(32);
    expect(keys.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    for (const c of [w, o]) expect(c.envFrom).toContainEqual({ secretRef: { name: `${fullname}-keys` } });

    // The bundled database: web, operator and the migrations read one URL to it.
    expect(find(objs, "StatefulSet", `${fullname}-mariadb`).spec.replicas).toBe(1);
    const url = Buffer.from(find(objs, "Secret", `${fullname}-database`).data!.DATABASE_URL, "base64").toString();
    expect(url).toMatch(new RegExp(`^mysql://gantry:[A-Za-z0-9]{32}@${fullname}-mariadb\\.gantry\\.svc:3306/gantry$`));
    const migrate = find(objs, "Job", `${fullname}-migrate`);
    expect(container(migrate).args).toEqual(["migrate"]);
    // The bundled database does not exist before the install: the first migration runs after it.
    expect(migrate.metadata.annotations?.["helm.sh/hook"]).toBe("post-install,pre-upgrade");
    for (const c of [w, o, container(migrate)])
      expect(env(c, "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({ name: `${fullname}-database`, key: "DATABASE_URL" });

    expect(objs.filter((x) => x.kind === "NetworkPolicy").map((x) => x.metadata.name)).toEqual([
      `${fullname}-web`,
      `${fullname}-operator`,
      `${fullname}-mariadb`,
    ]);
    expect(objs.some((x) => x.kind === "Ingress" || x.kind === "ServiceMonitor")).toBe(false);
  });

  it("gives the operator's ClusterRole and Role exactly what operator/executors/kubernetes/permissions.ts lists", async () => {
    const objs = await render("--set", "operator.installCRD=true");
    const granted = objs
      .filter((x) => x.kind === "ClusterRole" || x.kind === "Role")
      .flatMap((r) =>
        r.rules!.flatMap((rule) =>
          rule.apiGroups.flatMap((g) =>
            rule.resources.flatMap((res) => rule.verbs.flatMap((v) => (rule.resourceNames ?? [""]).map((n) => `${g}/${res}:${v}@${n}`))),
          ),
        ),
      );
    const needed = REQUIRED_PERMISSIONS.flatMap((p) => p.verbs.map((v) => `${p.group}/${p.resource}:${v}@${p.name ?? ""}`));
    expect(granted.sort()).toEqual(needed.sort());
    for (const b of objs.filter((x) => x.kind.endsWith("Binding")))
      expect((b as unknown as { subjects: unknown[] }).subjects).toEqual([
        { kind: "ServiceAccount", name: `${fullname}-operator`, namespace: "gantry" },
      ]);
    // Without installCRD the CRD comes from the chart's crds/ and the operator may not touch it.
    expect((await render()).some((x) => x.metadata.name.endsWith("-crd-install"))).toBe(false);
  });

  it("trial: one replica each, no disruption budget, the bundled MariaDB", async () => {
    const objs = await render("-f", valueSet("trial"));
    expect(find(objs, "Deployment", `${fullname}-web`).spec.replicas).toBe(1);
    expect(find(objs, "Deployment", `${fullname}-operator`).spec.replicas).toBe(1);
    expect(objs.some((x) => x.kind === "PodDisruptionBudget")).toBe(false);
    expect(find(objs, "StatefulSet", `${fullname}-mariadb`).spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("4Gi");
  });

  it("production: the external database's Secret, Elasticsearch, an Ingress with TLS and a ServiceMonitor, no MariaDB", async () => {
    const objs = await render("-f", valueSet("production"));
    expect(objs.some((x) => x.kind === "StatefulSet" || x.metadata.name.endsWith("-database"))).toBe(false);
    const web = container(find(objs, "Deployment", `${fullname}-web`));
    const migrate = find(objs, "Job", `${fullname}-migrate`);
    for (const c of [web, container(find(objs, "Deployment", `${fullname}-operator`)), container(migrate)])
      expect(env(c, "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({ name: "gantry-database", key: "DATABASE_URL" });
    expect(migrate.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(env(web, "ELASTICSEARCH_URL")?.value).toBe("https://elasticsearch.example.com:9200");
    expect(web.envFrom).toContainEqual({ secretRef: { name: "gantry-elasticsearch" } });
    expect(env(web, "NEXTAUTH_URL")?.value).toBe("https://ci.example.com");
    expect(env(web, "GANTRY_ARTIFACTS_S3_BUCKET")?.value).toBe("gantry-artifacts");
    const ingress = find(objs, "Ingress", fullname);
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([{ hosts: ["ci.example.com"], secretName: "gantry-tls" }]);
    expect(ingress.spec.rules[0].host).toBe("ci.example.com");
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(`${fullname}-web`);
    const monitor = find(objs, "ServiceMonitor", fullname);
    expect(monitor.metadata.labels?.release).toBe("prometheus");
    expect(monitor.spec.endpoints.map((e: { port: string; path: string }) => `${e.port}${e.path}`)).toEqual([
      "metrics/metrics",
      "http/api/metrics",
    ]);
  });

  it("air-gapped: every image from the private registry with its pull secret, the keys from the user's Secret", async () => {
    const objs = await render("-f", valueSet("air-gapped"));
    const pods = podSpecs(objs);
    expect(pods.length).toBeGreaterThanOrEqual(3);
    for (const { o, spec } of pods) {
      expect(spec.imagePullSecrets, o.metadata.name).toEqual([{ name: "internal-registry" }]);
      for (const c of spec.containers as Container[])
        expect(c.image, o.metadata.name).toBe("registry.internal.example:5000/platform/gantry:0.1.0");
    }
    expect(objs.some((x) => x.metadata.name === `${fullname}-keys`)).toBe(false);
    expect(container(find(objs, "Deployment", `${fullname}-web`)).envFrom).toContainEqual({ secretRef: { name: "gantry-keys" } });
    // A pre-install hook runs before the release's Secrets exist: the URL comes in a hook Secret of its own.
    const hookSecret = find(objs, "Secret", `${fullname}-migrate`);
    expect(hookSecret.metadata.annotations?.["helm.sh/hook-weight"]).toBe("-10");
    expect(env(container(find(objs, "Job", `${fullname}-migrate`)), "DATABASE_URL")?.valueFrom?.secretKeyRef?.name).toBe(
      `${fullname}-migrate`,
    );
  });

  it("refuses a wrong value, naming the field", async () => {
    const refused = (...flags: string[]) =>
      render(...flags).then(
        () => "rendered",
        (e: Error) => e.message,
      );
    expect(await refused("--set", "web.replicas=-1")).toContain("/web/replicas");
    expect(await refused("--set", "operator.executr=local")).toMatch(/\/operator.*additional properties 'executr'/s);
    expect(await refused("--set", "operator.workspace=hostPath")).toContain("/operator/workspace");
    expect(await refused("--set", "builds.quota.hard.pods=lots")).toContain("/builds/quota/hard/pods");
    expect(await refused("--set", "builds.limitRange.default.gpu=1")).toMatch(
      /\/builds\/limitRange\/default.*additional properties 'gpu'/s,
    );
    expect(await refused("--set", "builds.namespace=Builds")).toContain("/builds/namespace");
    expect(await refused("--set", "ingress.enabled=true")).toContain("/ingress/host");
    expect(await refused("--set", "database.url=postgres://x@y/z", "--set", "mariadb.enabled=false")).toContain("/database/url");
    expect(await refused("--set", "database.url=mysql://x@y/z")).toContain(
      "set exactly one of database.url, database.existingSecret or mariadb.enabled=true",
    );
  });
});

describe("the Helm chart on the test cluster", () => {
  /** The trial install, with what kwok lacks: no volume provisioner for MariaDB's or the runs' volumes. */
  const installFlags = [
    "-f",
    valueSet("trial"),
    "--set",
    "mariadb.persistence.enabled=false",
    "--set",
    "operator.workspace=emptyDir",
    "--set",
    "ingress.enabled=true",
    "--set",
    "ingress.host=ci.test.example",
    "--set",
    "ingress.tls.enabled=true",
  ];
  const builds = `${ns}-builds`;
  const secretKey = async () =>
    JSON.parse(await kubectl(["get", "secret", "-n", ns, `${fullname}-keys`, "-o", "json"])).data as Record<string, string>;

  beforeAll(async () => {
    ({ own, kubeconfig, kubectl } = await testCluster("helm"));
  }, 60 * 60_000);
  afterAll(async () => {
    await helm(["uninstall", release, "-n", ns, "--no-hooks"]).catch(() => {});
    for (const n of [ns, builds]) await kubectl?.(["delete", "namespace", n, "--wait=false"]).catch(() => {});
    await own?.stop();
  });

  it("the apiserver accepts every object of the three value sets (server-side dry run)", async () => {
    await kubectl(["create", "namespace", ns]);
    for (const set of ["trial", "production", "air-gapped"]) {
      // The builds' objects go into the release's namespace here: a dry run creates no Namespace to put them in.
      const manifests = (
        await helm([
          "template",
          release,
          chart,
          "-n",
          ns,
          "-f",
          valueSet(set),
          "--set",
          "builds.create=false",
          "--set",
          `builds.namespace=${ns}`,
        ])
      )
        .split(/^---$/m)
        // The Prometheus Operator's CRDs are not on the test cluster.
        .filter((d) => !/^kind: ServiceMonitor$/m.test(d))
        .join("\n---\n");
      const out = await kubectl(["apply", "--dry-run=server", "-f", "-"], manifests);
      expect(out, set).toContain(`deployment.apps/${fullname}-web created (server dry run)`);
      expect(out, set).toContain(`resourcequota/${fullname}-builds created (server dry run)`);
      expect(out, set).toContain(`limitrange/${fullname}-builds created (server dry run)`);
    }
  });

  it("installs: every object is created and the pods are scheduled on the kwok nodes", async () => {
    await helm(["install", release, chart, "-n", ns, "--no-hooks", ...installFlags]);
    const manifest = await helm(["get", "manifest", release, "-n", ns]);
    const objs = parseAllDocuments(manifest)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => !!o);
    expect(objs.length).toBeGreaterThan(10);
    for (const o of objs) {
      const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
      const resource = group ? `${o.kind}.${version}.${group}` : o.kind;
      const got = JSON.parse(
        await kubectl(["get", resource, o.metadata.name, "-n", o.metadata.namespace ?? ns, "-o", "json"]),
      ) as K8sObject;
      expect(got.metadata.name).toBe(o.metadata.name);
    }
    await expect
      .poll(
        async () => {
          const pods = JSON.parse(await kubectl(["get", "pods", "-n", ns, "-o", "json"])) as {
            items: { metadata: { name: string }; spec: { nodeName?: string } }[];
          };
          return pods.items.filter((p) => p.spec.nodeName).length;
        },
        { timeout: 60_000, message: "web (1), operator (1) and MariaDB (1) pods scheduled on nodes" },
      )
      .toBe(3);
  });

  it("the builds' namespace gives a container without resources the default request and counts it against the quota", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "no-resources", namespace: builds },
      spec: { containers: [{ name: "build", image: "busybox" }] },
    };
    const created = JSON.parse(await kubectl(["create", "-o", "json", "-f", "-"], JSON.stringify(pod))) as {
      spec: { containers: { resources: { requests: Record<string, string>; limits: Record<string, string> } }[] };
    };
    expect(created.spec.containers[0].resources).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "2", memory: "2Gi" },
    });
    await expect
      .poll(
        async () =>
          (
            JSON.parse(await kubectl(["get", "resourcequota", "-n", builds, `${fullname}-builds`, "-o", "json"])) as {
              status?: { used?: Record<string, string> };
            }
          ).status?.used?.["requests.cpu"],
        { timeout: 30_000, message: "the quota counts the pod's default CPU request" },
      )
      .toBe("250m");
    await kubectl(["delete", "pod", "-n", builds, "no-resources", "--wait=false"]);
  });

  it("upgrades with a changed value and keeps the generated keys; rolls back", async () => {
    const before = await secretKey();
    await helm(["upgrade", release, chart, "-n", ns, "--no-hooks", ...installFlags, "--set", "web.replicas=3"]);
    const replicas = async () => JSON.parse(await kubectl(["get", "deployment", "-n", ns, `${fullname}-web`, "-o", "json"])).spec.replicas;
    expect(await replicas()).toBe(3);
    expect(await secretKey()).toEqual(before);
    const dbUrl = async () =>
      JSON.parse(await kubectl(["get", "secret", "-n", ns, `${fullname}-database`, "-o", "json"])).data.DATABASE_URL;
    const url = await dbUrl();

    await helm(["rollback", release, "1", "-n", ns, "--no-hooks"]);
    expect(await replicas()).toBe(1);
    expect(await secretKey()).toEqual(before);
    expect(await dbUrl()).toBe(url);
    expect(await helm(["history", release, "-n", ns])).toMatch(/Rollback to 1/);
  });

  it("uninstall leaves the keys' Secret and the builds' namespace behind", async () => {
    await helm(["uninstall", release, "-n", ns, "--no-hooks"]);
    expect(Object.keys(await secretKey()).sort()).toEqual(["GANTRY_SECRET_KEY", "NEXTAUTH_SECRET"]);
    const left = await kubectl(["get", "deployments", "-n", ns, "-o", "name"]);
    expect(left.trim()).toBe("");
    // Kept: BuildJobs in it may still carry the operator's finalizers.
    expect(JSON.parse(await kubectl(["get", "namespace", builds, "-o", "json"])).status.phase).toBe("Active");
  });
});
