import { describe, expect, it } from "vitest";
import { namespaceSettingsOf } from "./project-namespaces";

describe("project settings → namespace objects", () => {
  it("maps the quota and container defaults onto ResourceQuota and LimitRange fields", () => {
    expect(
      namespaceSettingsOf({
        quota: { cpu: "8", memory: "16Gi", pods: 50 },
        limitRange: { defaultCpu: "1", defaultMemory: "1Gi", defaultRequestCpu: "250m" },
      }),
    ).toEqual({
      quota: { "requests.cpu": "8", "requests.memory": "16Gi", pods: "50" },
      limits: { default: { cpu: "1", memory: "1Gi" }, defaultRequest: { cpu: "250m" } },
    });
  });
  it("asks for nothing when the settings say nothing", () => {
    expect(namespaceSettingsOf({})).toEqual({});
  });
  it("relaxes Pod Security to baseline only for a project allowing privileged builds", () => {
    expect(namespaceSettingsOf({ builds: { privileged: true } })).toEqual({ podSecurity: "baseline" });
    expect(namespaceSettingsOf({ builds: { privileged: false } })).toEqual({});
  });
});
