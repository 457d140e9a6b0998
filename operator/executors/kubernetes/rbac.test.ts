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

const docs = parseAllDocuments(readFileSync(path.resolve(import.meta.dirname, "../../../deploy/rbac.yaml"), "utf8")).map(
  (d) => d.toJS() as Doc,
);
const roles = docs.filter((d) => d.kind === "ClusterRole" || d.kind === "Role");

/** Each granted (group, resource, verb, name) as one string, with where it is granted. */
function grants(filter: (d: Doc) => boolean): string[] {
  return roles
    .filter(filter)
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

describe("operator RBAC (deploy/rbac.yaml)", () => {
  it("grants exactly what the executor uses: nothing missing, nothing more", () => {
    expect(grants(() => true).sort()).toEqual(needed(() => true).sort());
  });

  it("has no wildcards and never lets the operator read Secrets", () => {
    for (const r of roles)
      for (const rule of r.rules!)
        for (const v of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(v, `${r.metadata.name}`).not.toBe("*");
    expect(grants(() => true).filter((g) => g.startsWith("/secrets:"))).toEqual(["/secrets:create"]);
  });

  it("keeps the optional CRD installation in its own ClusterRole, so it can be left out", () => {
    const crd = roles.find((r) => r.metadata.name === "gantry-operator-crd-install")!;
    expect(grants((d) => d === crd).sort()).toEqual(needed((p) => !!p.optional).sort());
    expect(grants((d) => d !== crd).some((g) => g.includes("customresourcedefinitions"))).toBe(false);
  });

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
