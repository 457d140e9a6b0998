import { z } from "zod";

/**
 * The BuildJob custom resource (gantry.dev/v1alpha1): one attempt of one task run, everything
 * the controller needs to build its Job without reading MySQL. The CRD's OpenAPI schema is
 * generated from these schemas (crd.ts, `npm run gen:crds`), so keep to what a structural schema
 * can say: no unions, no transforms; `preserveUnknown` for embedded Kubernetes objects.
 */

export const GROUP = "gantry.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "BuildJob";
export const PLURAL = "buildjobs";

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes resource.Quantity, as its OpenAPI pattern writes it. */
export const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** An embedded Kubernetes object the CRD does not describe field by field (affinity, probes, a JobSpec). */
const preserveUnknown = () => z.record(z.string(), z.unknown()).meta({ "x-kubernetes-preserve-unknown-fields": true });

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = z.string().min(1).max(63).regex(DNS1123_LABEL);
/** Names of ConfigMaps, Secrets, PVCs, service accounts. */
const objectName = z.string().min(1).max(253).regex(DNS1123_SUBDOMAIN);
const absolutePath = z.string().regex(/^\/.*$/, "must be an absolute path");
const envMap = z.record(z.string(), z.string());
const resourceList = z.record(z.string(), z.string().regex(QUANTITY));

export const ResourcesSchema = z.object({
  requests: resourceList.optional(),
  limits: resourceList.optional(),
});
export type Resources = z.infer<typeof ResourcesSchema>;

export const ResolvedPlanSchema = z
  .object({
    template: z.string().min(1),
    templateVersion: z.number().int().min(1),
    image: z.string().min(1),
    /** The container's whole argv (command and args, params substituted); never run through a shell by Gantry. */
    command: z.array(z.string()).min(1),
    env: envMap,
    /** Per attempt, like the local executor. */
    timeoutSeconds: z.number().int().min(1),
    retries: z.number().int().min(0).max(10),
  })
  .meta({ description: "The task resolved against its template when the run was created." });

const ConfigSourceSchema = z.object({
  kind: z.enum(["ConfigMap", "Secret"]),
  name: objectName,
  optional: z.boolean().optional(),
});

export const SecretEnvSchema = z
  .object({
    name: z.string().min(1).regex(ENV_NAME),
    secretName: objectName,
    key: z.string().min(1).max(253),
  })
  .meta({ description: "An environment variable read from a Secret (secret params never appear in the BuildJob)." });

export const EnvFromSchema = ConfigSourceSchema.extend({ prefix: z.string().regex(ENV_NAME).optional() });
export const FileMountSchema = ConfigSourceSchema.extend({
  mountPath: absolutePath,
  /** Only these keys become files (all when absent): the params Secret also holds values the main container must not see. */
  keys: z.array(z.string().min(1).max(253)).optional(),
});

const SecretKeyRefSchema = z.object({ secretName: objectName, key: z.string().min(1).max(253) });

export const GitCredentialsSchema = z
  .object({
    /** Not secret: the user name sent with the token. */
    username: z.string().optional(),
    password: SecretKeyRefSchema.optional(),
    sshKey: SecretKeyRefSchema.optional(),
    knownHosts: SecretKeyRefSchema.optional(),
  })
  .meta({
    description: "Where the clone init container reads a private repository's credentials from; values never appear in the BuildJob.",
  });

export const GitSourceSchema = z.object({
  url: z.string().min(1),
  /** A leading '-' would reach git as an option. */
  revision: z.string().regex(/^[^-\s][^\s]*$/, "must not start with '-' or contain spaces"),
  /** Directory inside the workspace. */
  dir: z
    .string()
    .regex(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/)
    .refine((d) => !d.split("/").includes(".."), "must stay inside the workspace"),
  image: z.string().min(1).optional(),
  credentials: GitCredentialsSchema.optional(),
});
export type GitSource = z.infer<typeof GitSourceSchema>;

export const WorkspaceSchema = z
  .object({
    type: z.enum(["EmptyDir", "PersistentVolumeClaim"]),
    /** The run's PVC, when `type` is PersistentVolumeClaim. */
    claimName: objectName.optional(),
    sizeLimit: z.string().regex(QUANTITY).optional(),
  })
  .meta({ description: "Shared by the run's tasks: a PVC per run, or an emptyDir when the run has one task." });

export const CacheSchema = z.object({
  claimName: objectName,
  mountPath: absolutePath,
});

export const SidecarSchema = z.object({
  name: dnsLabel,
  /** `service` runs next to the task (a database); `upload` also sees the workspace and works in `preStop`. */
  role: z.enum(["service", "upload"]),
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: envMap.optional(),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        containerPort: z.number().int().min(1).max(65535),
        protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
      }),
    )
    .optional(),
  resources: ResourcesSchema.optional(),
  readinessProbe: preserveUnknown().optional(),
  startupProbe: preserveUnknown().optional(),
  /** Runs when the task has ended, before the sidecar is stopped (upload on finish). */
  preStop: z.array(z.string()).min(1).optional(),
  /** Seconds the pod gets for sidecars' `preStop` hooks. */
  gracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
  runAsUser: z.number().int().min(1).optional(),
});
export type Sidecar = z.infer<typeof SidecarSchema>;

export const TolerationSchema = z.object({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

export const SchedulingSchema = z
  .object({
    nodeSelector: envMap.optional(),
    affinity: preserveUnknown().optional(),
    tolerations: z.array(TolerationSchema).optional(),
    serviceAccountName: objectName.optional(),
    priorityClassName: objectName.optional(),
  })
  .meta({ description: "From the project's settings: where build pods may run." });

export const SecuritySchema = z.object({
  /** Off unless the template asks: a build should not hold API credentials by accident. */
  automountServiceAccountToken: z.boolean().optional(),
  /** The main container runs as uid 0 (a template with `runAsRoot`, in a project allowing privileged builds). */
  runAsRoot: z.boolean().optional(),
  runAsUser: z.number().int().min(1).optional(),
  runAsGroup: z.number().int().min(1).optional(),
  fsGroup: z.number().int().min(1).optional(),
});

export const BuildJobSpecSchema = z.object({
  taskRunId: z.string().min(1),
  runId: z.string().min(1),
  pipeline: z.string().min(1),
  task: z.string().min(1),
  stage: z.string().min(1),
  /** 1-based; each attempt the scheduler starts is its own BuildJob and Job. */
  attempt: z.number().int().min(1),
  plan: ResolvedPlanSchema,
  /** Non-secret pipeline params, as environment variables. */
  params: envMap.optional(),
  secretEnv: z.array(SecretEnvSchema).optional(),
  envFrom: z.array(EnvFromSchema).optional(),
  files: z.array(FileMountSchema).optional(),
  source: z.object({ git: GitSourceSchema.optional() }).optional(),
  workspace: WorkspaceSchema,
  cache: CacheSchema.optional(),
  sidecars: z.array(SidecarSchema).optional(),
  resources: ResourcesSchema.optional(),
  scheduling: SchedulingSchema.optional(),
  security: SecuritySchema.optional(),
  ttlSecondsAfterFinished: z.number().int().min(0).optional(),
  /** A raw batch/v1 JobSpec: used instead of the one built from the plan, still labelled and owned. */
  jobSpec: preserveUnknown().optional(),
  /** Set by the scheduler to stop the attempt: the controller deletes the Job and reports Cancelled. */
  cancelRequested: z.boolean().optional(),
  cancelMessage: z.string().max(1000).optional(),
});
export type BuildJobSpec = z.infer<typeof BuildJobSpecSchema>;

export const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Cancelled"] as const;
export type Phase = (typeof PHASES)[number];
export const FINAL_PHASES: readonly Phase[] = ["Succeeded", "Failed", "Cancelled"];

const dateTime = () => z.string().meta({ format: "date-time" });

export const ConditionSchema = z.object({
  type: z.string().min(1),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: dateTime(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

export const BuildJobStatusSchema = z.object({
  phase: z.enum(PHASES),
  conditions: z
    .array(ConditionSchema)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  jobName: z.string().optional(),
  podName: z.string().optional(),
  startTime: dateTime().optional(),
  completionTime: dateTime().optional(),
  /** The main container's exit code, once it has terminated. */
  exitCode: z.number().int().optional(),
  message: z.string().optional(),
  /** Pods of the Job that failed (each retry is one). */
  failedPods: z.number().int().min(0).optional(),
  observedGeneration: z.number().int().optional(),
});
export type BuildJobStatus = z.infer<typeof BuildJobStatusSchema>;

export const ObjectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.union([z.string(), z.date()]).optional(),
  deletionTimestamp: z.union([z.string(), z.date()]).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A BuildJob as the API returns it; parse what informers hand over before trusting it. */
export const BuildJobSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: ObjectMetaSchema,
  spec: BuildJobSpecSchema,
  status: BuildJobStatusSchema.optional(),
});
export type BuildJob = z.infer<typeof BuildJobSchema>;
