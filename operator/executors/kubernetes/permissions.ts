/**
 * Every API permission the Kubernetes executor uses, in one list: deploy/rbac.yaml must grant
 * exactly these (a unit test compares them), and the operator can check them at start with
 * SelfSubjectAccessReviews to say what is missing instead of failing on the first task.
 */

export interface Permission {
  group: string;
  resource: string;
  verbs: readonly string[];
  /** Where the grant is limited to one object (RBAC resourceNames). */
  name?: string;
  /** Granted in the operator's own namespace only (leader election). */
  namespaced?: true;
  /** May be left out; the operator then expects an administrator to do that part. */
  optional?: true;
}

export const OPERATOR_NAMESPACE = "gantry";
export const LEADER_LEASE = "gantry-operator";

export const REQUIRED_PERMISSIONS: readonly Permission[] = [
  { group: "gantry.dev", resource: "buildjobs", verbs: ["get", "list", "watch", "create", "patch", "delete"] },
  { group: "gantry.dev", resource: "buildjobs/status", verbs: ["get", "update", "patch"] },
  { group: "gantry.dev", resource: "buildjobs/finalizers", verbs: ["update"] },
  { group: "batch", resource: "jobs", verbs: ["get", "list", "watch", "create", "delete"] },
  { group: "", resource: "pods", verbs: ["get", "list", "watch"] },
  { group: "", resource: "pods/log", verbs: ["get"] },
  { group: "", resource: "events", verbs: ["get", "list", "watch"] },
  { group: "", resource: "persistentvolumeclaims", verbs: ["get", "list", "watch", "create", "delete"] },
  { group: "", resource: "secrets", verbs: ["create"] },
  // At start: whether the runs' workspace volumes can bind (a default StorageClass, or the configured one).
  { group: "storage.k8s.io", resource: "storageclasses", verbs: ["list"] },
  { group: "", resource: "namespaces", verbs: ["get", "create", "patch"] },
  { group: "", resource: "resourcequotas", verbs: ["get", "create", "update", "patch"] },
  { group: "", resource: "limitranges", verbs: ["get", "create", "update", "patch"] },
  { group: "coordination.k8s.io", resource: "leases", verbs: ["create"], namespaced: true },
  { group: "coordination.k8s.io", resource: "leases", verbs: ["get", "update"], name: LEADER_LEASE, namespaced: true },
  { group: "apiextensions.k8s.io", resource: "customresourcedefinitions", verbs: ["create"], optional: true },
  {
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
    verbs: ["get", "update", "patch"],
    name: "buildjobs.gantry.dev",
    optional: true,
  },
];
