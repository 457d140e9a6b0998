import { API_VERSION, KIND, type BuildJob, type BuildJobSpec } from "./buildjob-schema";

/** BuildJobs as the API server would hand them to the controller, for the unit tests of this folder. */

export const TASK_RUN_ID = "7f1c2a9e-3b4d-4e5f-8a6b-9c0d1e2f3a4b";
export const RUN_ID = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";

export function sampleSpec(over: Partial<BuildJobSpec> = {}): BuildJobSpec {
  return {
    taskRunId: TASK_RUN_ID,
    runId: RUN_ID,
    pipeline: "shop-backend",
    task: "unit-tests",
    stage: "test",
    attempt: 1,
    plan: {
      template: "shell",
      templateVersion: 3,
      image: "debian:bookworm-slim",
      command: ["bash", "-eo", "pipefail", "-c", "make test"],
      env: { GOFLAGS: "-mod=mod" },
      timeoutSeconds: 600,
      retries: 2,
    },
    params: { BRANCH: "main" },
    workspace: { type: "PersistentVolumeClaim", claimName: "gantry-ws-0a1b2c3d4e5f4a6b8c7d8e9f0a1b2c3d" },
    ...over,
  };
}

export function sampleBuildJob(over: Partial<BuildJobSpec> = {}, meta: Partial<BuildJob["metadata"]> = {}): BuildJob {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name: "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1",
      namespace: "team-shop",
      uid: "5e3d1c2b-aaaa-4bbb-8ccc-123456789abc",
      generation: 1,
      ...meta,
    },
    spec: sampleSpec(over),
  };
}
