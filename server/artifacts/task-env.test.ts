import { describe, expect, it } from "vitest";
import type { TaskPlan } from "@/lib/plan";
import { wantsUploadToken } from "./task-env";

const plan = (p: Partial<TaskPlan>) => ({ command: ["sh", "-c", "true"], env: {}, ...p }) as TaskPlan;

describe("which tasks get an upload token", () => {
  it("those whose command or env name GANTRY_ARTIFACT_TOKEN", () => {
    expect(wantsUploadToken(plan({ command: ["sh", "-c", 'curl -H "Authorization: Bearer $GANTRY_ARTIFACT_TOKEN" …'] }))).toBe(true);
    expect(wantsUploadToken(plan({ env: { T: "$GANTRY_ARTIFACT_TOKEN" } }))).toBe(true);
  });

  it("no others: the token costs a Secret in Kubernetes", () => {
    expect(wantsUploadToken(plan({ command: ["make", "test"] }))).toBe(false);
  });
});
