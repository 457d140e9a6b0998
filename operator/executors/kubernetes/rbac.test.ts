import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { OPERATOR_NAMESPACE, REQUIRED_PERMISSIONS } from "./permissions";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

const root = path.resolve(import.meta.dirname, "../../..");
const parseDocs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Doc);
const docs = parseDocs(readFileSync(path.join(root, "deploy/rbac.yaml"), "utf8"));

/**
 * The Helm chart's RBAC template read as plain YAML: its rules are literal, only names and labels
 * are templated, so dropping the directive lines and blanking the expressions keeps every rule
 * (the optional CRD role included). tests/helm-chart.test.ts checks the rendered chart as well.
 */
const chartDocs = parseDocs(
  readFileSync(path.join(root, "deploy/helm/gantry/templates/rbac.yaml"), "utf8")
    .replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, "")
    .replace(/^\s*\{\{.*\}\}\s*$/gm, "")
    .replace(/\{\{.*?\}\}/g, "x"),
);

/** Each granted (group, resource, verb, name) as one string, with where it is granted. */
function grants(from: Doc[], filter: (d: Doc) => boolean = () => true): string[] {
  return from
    .filter((d) => (d.kind === "ClusterRole" || d.kind === "Role") && filter(d))
    .flatMap((r) =>
      r.rules!.flatMap((rule) =>
        rule.apiGroups.flatMap((g) =>
          rule.resources.flatMap((res) =>
            rule.verbs.flatMap((v) =>
              (rule.resourceNames ?? [""]).map((n) => `${r.kind === "Role" ? "ns:" : ""}${g}/${res}:${v}${n ? `@${n}` : ""}`),
            ),
          ),
        ),
      ),
    );
}
function needed(filter: (p: (typeof REQUIRED_PERMISSIONS)[number]) => boolean): string[] {
  return REQUIRED_PERMISSIONS.filter(filter).flatMap((p) =>
    p.verbs.map((v) => `${p.namespaced ? "ns:" : ""}${p.group}/${p.resource}:${v}${p.name ? `@${p.name}` : ""}`),
  );
}

describe.each([
  ["deploy/rbac.yaml", docs],
  ["the Helm chart's templates/rbac.yaml", chartDocs],
])("operator RBAC (%s)", (_, from) => {
  const roles = from.filter((d) => d.kind === "ClusterRole" || d.kind === "Role");
  it("grants exactly what the executor uses: nothing missing, nothing more", () => {
    expect(grants(from).sort()).toEqual(needed(() => true).sort());
  });

  it("has no wildcards and never lets the operator read Secrets", () => {
    for (const r of roles)
      for (const rule of r.rules!)
        for (const v of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(v, `${r.metadata.name}`).not.toBe("*");
    expect(grants(from).filter((g) => g.startsWith("/secrets:"))).toEqual(["/secrets:create"]);
  });

  it("keeps the optional CRD installation in its own ClusterRole, so it can be left out", () => {
    const crd = roles.find((r) => r.metadata.name.endsWith("-crd-install"))!;
    expect(grants(from, (d) => d === crd).sort()).toEqual(needed((p) => !!p.optional).sort());
    expect(grants(from, (d) => d !== crd).some((g) => g.includes("customresourcedefinitions"))).toBe(false);
  });
});

describe("operator RBAC bindings (deploy/rbac.yaml)", () => {
  const roles = docs.filter((d) => d.kind === "ClusterRole" || d.kind === "Role");
  it("binds every role to the operator's service account, the lease role only in its own namespace", () => {
    for (const b of docs.filter((d) => d.kind.endsWith("Binding"))) {
      expect(b.subjects, b.metadata.name).toEqual([{ kind: "ServiceAccount", name: "gantry-operator", namespace: OPERATOR_NAMESPACE }]);
      expect(
        roles.some((r) => r.kind === b.roleRef!.kind && r.metadata.name === b.roleRef!.name),
        `${b.metadata.name} → ${b.roleRef!.name}`,
      ).toBe(true);
    }
    for (const r of roles.filter((x) => x.kind === "Role")) expect(r.metadata.namespace).toBe(OPERATOR_NAMESPACE);
  });
});
